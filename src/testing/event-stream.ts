/** A client of a server-sent events endpoint for tests: what it has read so far. */

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/** An open event stream: the events (data parsed as JSON) and comment lines read so far. */
export interface EventStream {
  status: number;
  contentType: string;
  headers: Headers;
  events: ServerSentEvent[];
  comments: string[];
  close(): void;
}

/** Opens `url` with `headers` and reads it in the background; throws unless it answers 200. */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
): Promise<EventStream> {
  const controller = new AbortController();
  const reply = await fetch(url, { headers, signal: controller.signal });
  if (reply.status !== 200) throw new Error(`${url}: ${reply.status} ${await reply.text()}`);
  const stream: EventStream = {
    status: reply.status,
    contentType: reply.headers.get('content-type') ?? '',
    headers: reply.headers,
    events: [],
    comments: [],
    close: () => controller.abort(),
  };
  const reader = reply.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) throw new Error(`${url}: no body`);
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        stream.comments.push(...lines.filter((line) => line.startsWith(':')));
        const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
        const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
        if (event && data) stream.events.push({ event, data: JSON.parse(data) });
      }
    }
  })();
  return stream;
}

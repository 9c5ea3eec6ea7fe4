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
  /** Events read so far (none kept when `onEvent` takes them). */
  events: ServerSentEvent[];
  comments: string[];
  /** Whether the stream has ended (closed by either side). */
  ended: boolean;
  close(): void;
}

export interface EventStreamOptions {
  /**
   * Told of each event as it is read, with when its chunk arrived (Date.now()), instead of
   * keeping it in `events`: a stream read for minutes keeps nothing.
   */
  onEvent?: (event: ServerSentEvent, receivedAt: number) => void;
}

/** Opens `url` with `headers` and reads it in the background; throws unless it answers 200. */
export async function openEventStream(
  url: string,
  headers: Record<string, string>,
  options: EventStreamOptions = {},
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
    ended: false,
    close: () => controller.abort(),
  };
  const onEvent = options.onEvent ?? ((event: ServerSentEvent) => void stream.events.push(event));
  const reader = reply.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) throw new Error(`${url}: no body`);
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: '', done: true }));
      if (done) {
        stream.ended = true;
        return;
      }
      const receivedAt = Date.now();
      buffer += value;
      // One chunk may hold many events: read them by position, cut the buffer once.
      let start = 0;
      let end: number;
      while ((end = buffer.indexOf('\n\n', start)) >= 0) {
        const lines = buffer.slice(start, end).split('\n');
        start = end + 2;
        stream.comments.push(...lines.filter((line) => line.startsWith(':')));
        const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
        const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
        if (event && data) onEvent({ event, data: JSON.parse(data) }, receivedAt);
      }
      buffer = buffer.slice(start);
    }
  })();
  return stream;
}

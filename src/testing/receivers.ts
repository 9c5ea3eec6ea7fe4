import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** Test receivers for notifications: real servers bound to 127.0.0.1 on a free port. */

const LOOPBACK = '127.0.0.1';
/** How long `waitFor` waits by default, ms. */
const DEFAULT_WAIT_MS = 2000;

/** One request the recording server received. */
export interface RecordedRequest {
  method: string;
  /** Path and query string, e.g. `/bot123:abc/sendMessage?x=1`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The exact body bytes, e.g. to verify a signature. */
  rawBody: Buffer;
  /** The body decoded as UTF-8. */
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json?: unknown;
}

/** What the recording server answers; `'no-reply'` keeps the request open until close(). */
export type HttpReply =
  { status: number; headers?: Record<string, string>; body?: string | object } | 'no-reply';

export type HttpResponder = (request: RecordedRequest) => HttpReply | Promise<HttpReply>;

export interface RecordingHttpServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  host: string;
  port: number;
  /** Every request received so far, oldest first. */
  requests: RecordedRequest[];
  /** Resolves with the requests once `count` arrived; rejects after `timeoutMs` (default 2000). */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  setResponder(responder: HttpResponder): void;
  /** Stops listening and drops open connections, including requests left without a reply. */
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 that records every request and answers with `responder`
 * (default: 200 with an empty JSON object).
 */
export async function startRecordingHttpServer(
  responder: HttpResponder = () => ({ status: 200, body: {} }),
): Promise<RecordingHttpServer> {
  const requests: RecordedRequest[] = [];
  const arrivals = new Arrivals(requests);
  let respond = responder;

  const server = createServer((req, res) => {
    void (async () => {
      const recorded = await recordRequest(req);
      requests.push(recorded);
      arrivals.notify();
      const reply = await respond(recorded);
      if (reply === 'no-reply') return;
      const isText = typeof reply.body === 'string' || reply.body === undefined;
      const body = isText ? (reply.body ?? '') : JSON.stringify(reply.body);
      const contentType = isText ? 'text/plain; charset=utf-8' : 'application/json';
      res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers }).end(body);
    })().catch((error: unknown) => {
      res.writeHead(500).end(`recording server: responder failed: ${String(error)}`);
    });
  });
  const port = await listen(server);

  return {
    url: `http://${LOOPBACK}:${port}`,
    host: LOOPBACK,
    port,
    requests,
    waitFor: (count, timeoutMs = DEFAULT_WAIT_MS) => arrivals.waitFor(count, timeoutMs),
    setResponder: (next) => {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function recordRequest(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const text = rawBody.toString('utf8');
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: req.headers,
    rawBody,
    text,
    json: parseJson(text),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A mail the SMTP receiver accepted, parsed minimally (single-part messages). */
export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO). */
  to: string[];
  /** Header names in lower case, values unfolded and decoded. */
  headers: Record<string, string>;
  subject: string;
  /** The body, with its transfer encoding undone. */
  text: string;
  /** The message exactly as received. */
  raw: string;
}

/** How the SMTP receiver answers at the end of DATA. */
export type SmtpReply = 'accept' | 'no-reply' | { code: number; message: string };

export interface SmtpReceiverOptions {
  /** When set, AUTH is required and must present exactly these credentials. */
  credentials?: { username: string; password: string };
  /**
   * `none` (default): plain SMTP; `starttls`: offers STARTTLS; `implicit`: TLS from the
   * first byte. TLS uses smtp-server's built-in self-signed certificate.
   */
  tls?: 'none' | 'starttls' | 'implicit';
}

export interface SmtpReceiver {
  host: string;
  port: number;
  /** Every accepted message, oldest first. */
  messages: ReceivedMail[];
  /** Resolves with the messages once `count` arrived; rejects after `timeoutMs` (default 2000). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  setReply(reply: SmtpReply): void;
  close(): Promise<void>;
}

/** An SMTP server on 127.0.0.1 that keeps the messages it accepts. */
export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const arrivals = new Arrivals(messages);
  let reply: SmtpReply = 'accept';

  const server = new SMTPServer({
    ...smtpSecurityOptions(options),
    logger: false,
    disableReverseLookup: true,
    // close() otherwise waits 30 s for clients that were left without a reply.
    closeTimeout: 50,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (reply === 'no-reply') return;
        if (reply !== 'accept') {
          callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
          return;
        }
        const envelope = session.envelope;
        const from = envelope.mailFrom === false ? '' : envelope.mailFrom.address;
        const to = envelope.rcptTo.map((rcpt) => rcpt.address);
        messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), from, to));
        arrivals.notify();
        callback();
      });
    },
  });
  const port = await listen(server.server);

  return {
    host: LOOPBACK,
    port,
    messages,
    waitFor: (count, timeoutMs = DEFAULT_WAIT_MS) => arrivals.waitFor(count, timeoutMs),
    setReply: (next) => {
      reply = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function smtpSecurityOptions({
  credentials,
  tls = 'none',
}: SmtpReceiverOptions): SMTPServerOptions {
  const security: SMTPServerOptions = {
    secure: tls === 'implicit',
    disabledCommands: tls === 'none' ? ['STARTTLS'] : [],
    allowInsecureAuth: true,
  };
  if (!credentials) return { ...security, authOptional: true };
  return {
    ...security,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      const valid =
        auth.username === credentials.username && auth.password === credentials.password;
      if (valid) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    },
  };
}

/** Splits headers from body, unfolds headers and undoes encoded words and transfer encoding. */
function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      headers[name] = decodeEncodedWords(line.slice(colon + 1).trim());
    }
  }
  const text = decodeBody(body, headers['content-transfer-encoding'] ?? '7bit');
  return { from, to, headers, subject: headers.subject ?? '', text, raw };
}

/** RFC 2047 `=?utf-8?B?…?=` / `=?utf-8?Q?…?=` words, as nodemailer writes non-ASCII headers. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g, (_word, encoding: string, data: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function decodeBody(body: string, transferEncoding: string): string {
  const encoding = transferEncoding.toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(body, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(body.replace(/=\r\n/g, ''))
        : body;
  return decoded.replace(/\r\n/g, '\n').replace(/\n$/, '');
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Wakes callers waiting for a list to reach a length. */
class Arrivals<T> {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly items: T[]) {}

  notify(): void {
    for (const wake of this.waiters) wake();
  }

  waitFor(count: number, timeoutMs: number): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.items.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.items);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`expected ${count} arrivals within ${timeoutMs} ms, got ${this.items.length}`),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as AddressInfo).port));
  });
}

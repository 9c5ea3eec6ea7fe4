import {
  describeError,
  ERROR_CODES,
  TirelessError,
  type ErrorCode,
  type FieldProblem,
} from '../errors/index.js';

/**
 * The REST API of a running node, as the CLI commands that talk to one (`apply`, `cluster
 * status`) call it: bearer token, a timeout per request, and the API's error shape turned
 * into TirelessErrors that say which request failed and why.
 */
export class NodeApi {
  constructor(
    protected readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  async send(method: string, path: string, body?: object): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new TirelessError(
        'TIRELESS_UNAVAILABLE',
        `cannot reach the node at ${this.baseUrl}: ${describeError(error)}`,
        { cause: error },
      );
    }
    const text = await response.text();
    const reply = text ? parseJson(text) : undefined;
    if (!response.ok) throw replyError(method, path, response.status, reply);
    return reply;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function replyError(method: string, path: string, status: number, reply: unknown): TirelessError {
  const error = (reply as { error?: { code?: string; message?: string; fields?: FieldProblem[] } })
    ?.error;
  const code: ErrorCode =
    error?.code !== undefined && Object.hasOwn(ERROR_CODES, error.code)
      ? (error.code as ErrorCode)
      : 'TIRELESS_INTERNAL';
  const message = error?.message ?? (typeof reply === 'string' ? reply.slice(0, 200) : '');
  const hint = status === 401 ? ' (check --token or TIRELESS_TOKEN)' : '';
  return new TirelessError(code, `${method} ${path} answered ${status}: ${message}${hint}`, {
    fields: error?.fields ?? [],
  });
}

import {
  describeError,
  ERROR_CODES,
  TirelessError,
  type ErrorCode,
  type FieldProblem,
} from '../errors/index.js';

/**
 * The REST API of a running node, as the CLI commands that talk to one (`apply`, `export`,
 * `cluster status`) call it: bearer token, a timeout per request, and the API's error shape turned
 * into TirelessErrors that say which request failed and why.
 */
export class NodeApi {
  constructor(
    protected readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  /** A request with a JSON body (if any); the JSON answer (or its text, if not JSON). */
  async send(method: string, path: string, body?: object): Promise<unknown> {
    const text = await this.request(method, path, body);
    return text ? parseJson(text) : undefined;
  }

  /** GET `path`: the answer's text as sent (a file to save as it is). */
  text(path: string): Promise<string> {
    return this.request('GET', path);
  }

  private async request(method: string, path: string, body?: object): Promise<string> {
    let response: Response;
    let text: string;
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
      // Within the timeout too: a long answer (an export) can stall after its headers.
      text = await response.text();
    } catch (error) {
      throw new TirelessError(
        'TIRELESS_UNAVAILABLE',
        `cannot reach the node at ${this.baseUrl}: ${describeError(error)}`,
        { cause: error },
      );
    }
    if (!response.ok) {
      throw replyError(method, path, response.status, text ? parseJson(text) : undefined);
    }
    return text;
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

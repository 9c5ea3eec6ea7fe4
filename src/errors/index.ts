/**
 * One error type with a stable code. `status` is the HTTP status the API answers with;
 * `retryable` says whether trying again can help; `fields` names each bad input field.
 * Every code is listed in ERROR_CODES and documented in docs/ERRORS.md (a test checks).
 */
export const ERROR_CODES = {
  TIRELESS_VALIDATION: { status: 400, retryable: false },
  TIRELESS_BAD_JSON: { status: 400, retryable: false },
  TIRELESS_UNAUTHORIZED: { status: 401, retryable: false },
  TIRELESS_TOTP_REQUIRED: { status: 401, retryable: false },
  TIRELESS_FORBIDDEN: { status: 403, retryable: false },
  TIRELESS_NOT_FOUND: { status: 404, retryable: false },
  TIRELESS_QUOTA: { status: 403, retryable: false },
  TIRELESS_CONFLICT: { status: 409, retryable: false },
  TIRELESS_BODY_TOO_LARGE: { status: 413, retryable: false },
  TIRELESS_RATE_LIMITED: { status: 429, retryable: true },
  TIRELESS_INTERNAL: { status: 500, retryable: true },
  TIRELESS_CONFIG: { status: 500, retryable: false },
  TIRELESS_DELIVERY: { status: 502, retryable: true },
  TIRELESS_BACKUP: { status: 500, retryable: false },
  TIRELESS_UNAVAILABLE: { status: 503, retryable: true },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldProblem {
  /** Dotted path of the bad field, e.g. `url` or `config.webhookUrl`. */
  field: string;
  problem: string;
}

export class TirelessError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly fields: FieldProblem[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; fields?: FieldProblem[]; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TirelessError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.fields = options.fields ?? [];
  }
}

export function validationError(fields: FieldProblem[]): TirelessError {
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  return new TirelessError('TIRELESS_VALIDATION', `invalid input: ${summary}`, { fields });
}

export function notFound(what: string): TirelessError {
  return new TirelessError('TIRELESS_NOT_FOUND', `${what} not found`);
}

/** A readable one-line message for any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}

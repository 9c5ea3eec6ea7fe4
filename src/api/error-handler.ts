import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TirelessError, type FieldProblem } from '../errors/index.js';

/** The one error shape every route answers with. */
export interface ErrorReply {
  error: { code: string; message: string; fields?: FieldProblem[] };
}

/**
 * Turns every thrown error, and every unknown route, into an ErrorReply. Errors the server
 * did not expect are logged in full and answered with a generic message: their text may
 * name internals.
 */
export function installErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler(answerError(bodyLimitBytes));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const answer = new TirelessError('TIRELESS_NOT_FOUND', `no route ${request.method} ${path}`);
    return reply.code(404).send(errorReply(answer));
  });
}

/**
 * Answers an error as an ErrorReply: the error handler, and Fastify's `frameworkErrors` (a
 * URL its router refuses before any route, e.g. a broken escape or an over-long parameter).
 */
export function answerError(bodyLimitBytes: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const answer = toTirelessError(error, bodyLimitBytes);
    if (answer.status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(answer.status).send(errorReply(answer));
  };
}

function errorReply(error: TirelessError): ErrorReply {
  const { code, message, fields } = error;
  return { error: { code, message, ...(fields.length > 0 ? { fields } : {}) } };
}

/** Maps Fastify's own errors (body parsing, limits, bad URLs) to our codes. */
function toTirelessError(error: unknown, bodyLimitBytes: number): TirelessError {
  if (error instanceof TirelessError) return error;
  const { code, statusCode, message } = error as {
    code?: unknown;
    statusCode?: unknown;
    message?: unknown;
  };
  const text = typeof message === 'string' ? message : 'bad request';
  if (statusCode === 413) {
    return new TirelessError(
      'TIRELESS_BODY_TOO_LARGE',
      `the request body exceeds ${bodyLimitBytes} bytes`,
      { cause: error },
    );
  }
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new TirelessError('TIRELESS_BAD_JSON', `the request body is not valid JSON: ${text}`, {
      cause: error,
    });
  }
  if (statusCode === 415) {
    return new TirelessError(
      'TIRELESS_BAD_JSON',
      'send the request body as JSON (Content-Type: application/json)',
      { cause: error },
    );
  }
  if (statusCode === 404) return new TirelessError('TIRELESS_NOT_FOUND', text, { cause: error });
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return new TirelessError('TIRELESS_VALIDATION', text, { cause: error });
  }
  return new TirelessError('TIRELESS_INTERNAL', 'internal error; the server log has the details', {
    cause: error,
  });
}

import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { validationError } from '../errors/index.js';
import { parseOrThrow } from '../validation/index.js';

/** A new entity id: `prefix` and 20 random hex characters, e.g. `mon_3f9a…`. */
export function newId(prefix: string): string {
  return prefix + randomBytes(10).toString('hex');
}

/** The request body as an object, or a validation error naming the body. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError([{ field: '(body)', problem: 'must be a JSON object' }]);
  }
  return body as Record<string, unknown>;
}

/** A whole-number query parameter from `min` to `max`, `fallback` when absent. */
export function queryInteger(min: number, max: number, fallback: number) {
  const problem = `must be a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ message: problem })
    .int(problem)
    .min(min, problem)
    .max(max, problem)
    .default(fallback);
}

/**
 * The query string parsed with `schema`; problems name the parameter. Unknown parameters
 * are ignored (cache busters and the like), so query schemas are not strict.
 */
export function parseQuery<S extends z.ZodType>(schema: S, request: FastifyRequest): z.output<S> {
  return parseOrThrow(schema, request.query ?? {});
}

/** The `:id` path parameter. */
export function idParam(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

/**
 * The revision a write expects the entity to be at, from `If-Match` (a number, quoted or
 * not) or else a `revision` field of the body; undefined when the client sent neither.
 */
export function expectedRevision(
  request: FastifyRequest,
  body?: Record<string, unknown>,
): number | undefined {
  const header = request.headers['if-match'];
  if (header !== undefined) return revisionNumber(header.replace(/^"(.*)"$/, '$1'), 'If-Match');
  if (body?.revision !== undefined) return revisionNumber(body.revision, 'revision');
  return undefined;
}

function revisionNumber(value: unknown, field: string): number {
  const revision = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof revision === 'number' && Number.isSafeInteger(revision) && revision > 0)
    return revision;
  throw validationError([{ field, problem: 'must be a revision number (1 or more)' }]);
}

import type { z } from 'zod';
import { validationError, type FieldProblem } from '../errors/index.js';

/** Zod issues as field problems, with paths joined by dots under an optional prefix. */
export function fieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const field = [prefix, path].filter(Boolean).join('.') || prefix || '(body)';
    return { field, problem: issue.message };
  });
}

/** Parses `input` with `schema` or throws a TIRELESS_VALIDATION error naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix = '',
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(fieldProblems(parsed.error, prefix));
  return parsed.data;
}

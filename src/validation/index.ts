import type { z } from 'zod';
import { validationError, type FieldProblem } from '../errors/index.js';

/** Zod issues as field problems, with paths joined by dots under an optional prefix. */
export function fieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  const at = (path: readonly PropertyKey[]) =>
    [prefix, path.map(String).join('.')].filter(Boolean).join('.') || '(body)';
  return error.issues.flatMap((issue) =>
    // An unknown key is a problem of that key, not of the object holding it.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          field: at([...issue.path, key]),
          problem: 'is not a known field',
        }))
      : [{ field: at(issue.path), problem: issue.message }],
  );
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

import { z } from 'zod';

/** Config schema pieces shared by notifiers, with messages that name the field. */

/** An http:// or https:// URL. */
export function httpUrl(field: string) {
  return z.url({ protocol: /^https?$/, error: `${field} must be an http:// or https:// URL` });
}

/** A required string, trimmed, not empty (tokens, keys, names). */
export function requiredText(field: string) {
  return z
    .string({ error: `${field} is required and must be a string` })
    .trim()
    .min(1, `${field} must not be empty`);
}

/** An optional whole-number priority from `min` to `max`, the service's own scale. */
export function priority(min: number, max: number) {
  return z
    .number({ error: `priority must be a number from ${min} to ${max}` })
    .int(`priority must be a whole number from ${min} to ${max}`)
    .min(min, `priority must be from ${min} to ${max}`)
    .max(max, `priority must be from ${min} to ${max}`)
    .optional();
}

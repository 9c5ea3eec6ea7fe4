import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { OptionsSpec } from '../types.js';

/** Default grace, seconds: covers cron's one-minute granularity and a job's run-time jitter. */
const DEFAULT_PUSH_GRACE_SECONDS = 60;

/** A new push token: 24 random bytes as 32 URL-safe characters. */
function newPushToken(): string {
  return randomBytes(24).toString('base64url');
}

/** What every push token matches: the server's, and those users chose before it made them all. */
export const PUSH_TOKEN = {
  pattern: /^[A-Za-z0-9_-]{24,128}$/,
  problem: 'must be 24 to 128 URL-safe characters (A-Z, a-z, 0-9, "_" or "-")',
} as const;

/** push options: a heartbeat monitor that a job keeps alive by calling its secret URL. */
export const pushOptions = z
  .object({
    token: z
      .string()
      .regex(PUSH_TOKEN.pattern, PUSH_TOKEN.problem)
      .default(newPushToken)
      .describe('the secret in the push URL; default: a fresh random token')
      // Made by the server (api/monitors.ts refuses one of the client's choosing).
      .meta({ readOnly: true }),
    graceSeconds: z
      .int('must be a whole number of seconds')
      .min(0, 'must be 0 or more')
      .max(86_400, 'must be at most 86400 (one day)')
      .default(DEFAULT_PUSH_GRACE_SECONDS)
      .describe('seconds a heartbeat may be late before the monitor is down'),
  })
  .strict();

export type PushOptions = z.output<typeof pushOptions>;

export const pushSpec: OptionsSpec<PushOptions> = {
  options: pushOptions,
  // Sealed at rest; shown to the account, since its job must call the URL it is part of.
  secretFields: ['token'],
  shownSecretFields: ['token'],
  // The token is a secret: messages and logs show only the type.
  target: () => 'push',
};

import { z } from 'zod';
import { hostField } from '../fields.js';
import type { OptionsSpec } from '../types.js';

/** ping options: ICMP echo to a host with the system's `ping` (iputils). */
export const pingOptions = z
  .object({
    host: hostField.describe('host name or IP address to ping'),
    count: z
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(20, 'must be at most 20')
      .default(3)
      .describe('echo requests to send, 0.2 s apart'),
  })
  .strict();

export type PingOptions = z.output<typeof pingOptions>;

export const pingSpec: OptionsSpec<PingOptions> = {
  options: pingOptions,
  target: ({ host }) => host,
};

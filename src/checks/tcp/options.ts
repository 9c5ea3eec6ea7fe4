import { z } from 'zod';
import { hostField, hostPort, portField } from '../fields.js';
import type { OptionsSpec } from '../types.js';

/** tcp options: up when a TCP connection to `host`:`port` opens. */
export const tcpOptions = z
  .object({
    host: hostField.describe('host name or IP address to connect to'),
    port: portField.describe('TCP port'),
  })
  .strict();

export type TcpOptions = z.output<typeof tcpOptions>;

export const tcpSpec: OptionsSpec<TcpOptions> = {
  options: tcpOptions,
  target: ({ host, port }) => hostPort(host, port),
};

import { connect } from 'node:net';
import { z } from 'zod';
import { lookupFor } from '../../net-guard/index.js';
import { withDeadline } from '../deadline.js';
import { hostField, hostPort, portField } from '../fields.js';
import { msSince, up } from '../outcome.js';
import { whenReady } from '../socket.js';
import type { Checker } from '../types.js';

/** tcp options: up when a TCP connection to `host`:`port` opens. */
export const tcpOptions = z
  .object({
    host: hostField.describe('host name or IP address to connect to'),
    port: portField.describe('TCP port'),
  })
  .strict();

export type TcpOptions = z.output<typeof tcpOptions>;

/** Opens a TCP connection and closes it at once; latency is the time to connect (lookup included). */
export const tcpChecker: Checker<TcpOptions> = {
  type: 'tcp',
  options: tcpOptions,
  target: ({ host, port }) => hostPort(host, port),
  run: (options, ctx) =>
    withDeadline(ctx, async (signal, startedAt) => {
      const socket = connect({
        host: options.host,
        port: options.port,
        lookup: lookupFor(options.host, ctx.addressGuard),
      });
      await whenReady(socket, 'connect', signal);
      socket.destroy();
      return up(msSince(startedAt));
    }),
};

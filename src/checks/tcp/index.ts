import { connect } from 'node:net';
import { lookupFor } from '../../net-guard/index.js';
import { withDeadline } from '../deadline.js';
import { msSince, up } from '../outcome.js';
import { whenReady } from '../socket.js';
import type { Runner } from '../types.js';
import type { TcpOptions } from './options.js';

/** Opens a TCP connection and closes it at once; latency is the time to connect (lookup included). */
export const runTcp: Runner<TcpOptions> = (options, ctx) =>
  withDeadline(ctx, async (signal, startedAt) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      lookup: lookupFor(options.host, ctx.addressGuard),
    });
    await whenReady(socket, 'connect', signal);
    socket.destroy();
    return up(msSince(startedAt));
  });

import type { FastifyInstance } from 'fastify';
import { TirelessError } from '../errors/index.js';

/**
 * GET and HEAD requests have no body for Fastify to parse, so it never reads one. A client
 * that sends one all the same would have its answer cut off: a socket closed with unread
 * bytes sends a reset, which may drop the end of the answer on its way. So such a body is
 * read and dropped before the request goes on, and refused past the body limit, as any is.
 */
export function dropBodiesOfReads(app: FastifyInstance, bodyLimitBytes: number): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const { raw } = request;
    if (raw.method !== 'GET' && raw.method !== 'HEAD') return done();
    const length = raw.headers['content-length'];
    if (raw.headers['transfer-encoding'] === undefined && (length ?? '0') === '0') return done();
    let read = 0;
    const finish = (error?: Error): void => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', finish);
      done(error);
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read > bodyLimitBytes) {
        finish(
          new TirelessError(
            'TIRELESS_BODY_TOO_LARGE',
            `the request body exceeds ${bodyLimitBytes} bytes`,
          ),
        );
      }
    };
    const onEnd = (): void => finish();
    raw.on('data', onData);
    raw.once('end', onEnd);
    raw.once('error', finish);
  });
}

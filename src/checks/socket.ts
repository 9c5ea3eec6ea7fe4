import type { Socket } from 'node:net';

/**
 * Resolves with `socket` once it emits `ready` ('connect', or 'secureConnect' for TLS);
 * rejects on its first error. On abort the socket is destroyed. The caller destroys the
 * socket after use.
 */
export function whenReady<S extends Socket>(
  socket: S,
  ready: 'connect' | 'secureConnect',
  signal: AbortSignal,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      socket.destroy();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(ready, () => {
      signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.on('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
  });
}

/**
 * A load target, run in its own process: a bare node:http server on 127.0.0.1 answering
 * every request with 200 'ok'. Prints `{"port": n}` once listening; exits on SIGTERM.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from('ok');

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  response.end(BODY);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});

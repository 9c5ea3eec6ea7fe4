import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { openEventStream, type ServerSentEvent } from './event-stream.js';
import { waitFor } from './node-process.js';

test('onEvent is told each event with when its chunk arrived, several per chunk or one split across two; none is kept', async () => {
  let response: ServerResponse | undefined;
  const server = createServer((_request, reply) => {
    reply.writeHead(200, { 'content-type': 'text/event-stream' });
    // Headers now: fetch resolves on them.
    reply.flushHeaders();
    response = reply;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const told: [ServerSentEvent, number][] = [];
    const stream = await openEventStream(
      `http://127.0.0.1:${port}/`,
      {},
      { onEvent: (event, receivedAt) => told.push([event, receivedAt]) },
    );
    const reply = await waitFor('the request', () => response);
    const before = Date.now();
    reply.write(
      'event: state\ndata: {"n":1}\n\n: keep-alive\n\nevent: state\ndata: {"n":2}\n\nevent: st',
    );
    await waitFor('two events', () => (told.length === 2 ? true : undefined));
    reply.write('ate\ndata: {"n":3}\n\n');
    await waitFor('the third event', () => (told.length === 3 ? true : undefined));
    assert.deepEqual(
      told.map(([event]) => event),
      [1, 2, 3].map((n) => ({ event: 'state', data: { n } })),
    );
    assert.ok(told.every(([, at]) => at >= before && at <= Date.now()));
    assert.deepEqual(stream.events, [], 'nothing kept when onEvent takes the events');
    assert.deepEqual(stream.comments, [': keep-alive']);
    assert.equal(stream.ended, false);
    reply.end();
    await waitFor('the end', () => (stream.ended ? true : undefined));
  } finally {
    // A failed assertion leaves the stream open: close it too, or close() waits for it.
    server.closeAllConnections();
    server.close();
  }
});

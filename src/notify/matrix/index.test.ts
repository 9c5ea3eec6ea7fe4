import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequests, SAMPLES } from '../test-fixtures.js';

const roomPath = '/_matrix/client/v3/rooms/!room%3Aexample.org/send/m.room.message/';

void describe('matrix notifier', () => {
  void it('PUTs an m.text message into the room with a bearer token', async () => {
    const [request] = await captureRequests('matrix', [SAMPLES.down]);
    assert.equal(request?.method, 'PUT');
    assert.ok(request?.path.startsWith(roomPath), request?.path);
    assert.match(request.path.slice(roomPath.length), /^[0-9a-f]{32}$/);
    assert.equal(request.headers.authorization, 'Bearer matrix-secret-token');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, {
      msgtype: 'm.text',
      body: `${SAMPLES.down.title}\n\n${SAMPLES.down.text}`,
    });
  });

  void it('reuses the transaction id for a retry and not for another notification', async () => {
    const requests = await captureRequests('matrix', [
      SAMPLES.down,
      structuredClone(SAMPLES.down),
      SAMPLES.reminder,
      SAMPLES.up,
    ]);
    const [first, retry, reminder, up] = requests.map((request) => request.path);
    assert.equal(retry, first);
    assert.equal(new Set([first, reminder, up]).size, 3);
  });

  void it('gives each room its own transaction id', async () => {
    const [inOne] = await captureRequests('matrix', [SAMPLES.down]);
    const [inOther] = await captureRequests('matrix', [SAMPLES.down], { roomId: '!other:x.org' });
    const txnId = (path = '') => path.split('/').pop();
    assert.notEqual(txnId(inOne?.path), txnId(inOther?.path));
  });
});

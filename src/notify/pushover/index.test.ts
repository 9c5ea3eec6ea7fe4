import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, deliverAgainst, SAMPLES } from '../test-fixtures.js';
import { pushover } from './index.js';

const token = 'pushoverSecretToken00000000000';
const user = 'pushoverSecretUser000000000000';

void describe('pushover notifier', () => {
  void it('POSTs the message form-encoded to /1/messages.json', async () => {
    const request = await captureRequest('pushover', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/1/messages.json');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request.text)), {
      token,
      user,
      title: SAMPLES.down.title,
      message: SAMPLES.down.text,
      priority: '1',
      timestamp: String(Date.parse(SAMPLES.down.at) / 1000),
    });
  });

  void it('sends normal priority for up, or the configured one', async () => {
    const normal = await captureRequest('pushover', SAMPLES.up);
    const quiet = await captureRequest('pushover', SAMPLES.down, { priority: -1 });
    assert.equal(new URLSearchParams(normal.text).get('priority'), '0');
    assert.equal(new URLSearchParams(quiet.text).get('priority'), '-1');
  });

  void it('treats a status other than 1 as a failure, without the keys', async () => {
    const refused = { status: 0, errors: ['user identifier is invalid'], request: 'r1' };
    await assert.rejects(deliverAgainst('pushover', { status: 200, body: refused }), (error) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^pushover: .*status 1.*user identifier is invalid/);
      assert.ok(!error.message.includes(token) && !error.message.includes(user));
      return true;
    });
  });

  void it('refuses emergency priority and malformed keys', () => {
    const paths = (input: object) =>
      pushover.config.safeParse(input).error?.issues.map((issue) => issue.path.join('.'));
    assert.deepEqual(paths({ token, user, priority: 2 }), ['priority']);
    assert.deepEqual(paths({ token: 'short', user }), ['token']);
    assert.equal(pushover.config.parse({ token, user }).apiUrl, 'https://api.pushover.net');
  });
});

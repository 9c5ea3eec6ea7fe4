import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, deliverAgainst, SAMPLES } from '../test-fixtures.js';
import { telegram } from './index.js';

void describe('telegram notifier', () => {
  void it('POSTs sendMessage with the chat id and the title and text', async () => {
    const request = await captureRequest('telegram', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/bot123456:telegram-secret-token/sendMessage');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, {
      chat_id: '-1001234567890',
      text: `${SAMPLES.down.title}\n\n${SAMPLES.down.text}`,
      link_preview_options: { is_disabled: true },
    });
  });

  void it('treats {ok: false} as a failure, without the token in the message', async () => {
    const refused = { ok: false, error_code: 400, description: 'Bad Request: chat not found' };
    await assert.rejects(deliverAgainst('telegram', { status: 200, body: refused }), (error) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /^telegram: .*ok: true.*chat not found/);
      assert.doesNotMatch(error.message, /telegram-secret-token/);
      return true;
    });
  });

  void it('treats a reply that is not JSON as a failure', async () => {
    await assert.rejects(deliverAgainst('telegram', { status: 200, body: '<html>proxy</html>' }), {
      code: 'TIRELESS_DELIVERY',
      retryable: true,
    });
  });

  void it('accepts a @channel name and defaults the API URL', () => {
    const config = telegram.config.parse({ botToken: '1:abc', chatId: '@tireless_status' });
    assert.equal(config.apiUrl, 'https://api.telegram.org');
  });
});

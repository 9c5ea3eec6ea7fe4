import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, SAMPLES } from '../test-fixtures.js';

void describe('slack notifier', () => {
  void it('POSTs text and blocks to the webhook URL', async () => {
    const request = await captureRequest('slack', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/services/T000/B000/slack-secret-token');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, {
      text: SAMPLES.down.title,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: SAMPLES.down.title } },
        { type: 'section', text: { type: 'mrkdwn', text: SAMPLES.down.text } },
      ],
    });
  });

  void it('escapes the characters Slack reads as markup', async () => {
    const marked = { ...SAMPLES.test, title: 'a <b> & c', text: '<!channel> & <@U1>' };
    const request = await captureRequest('slack', marked);
    const body = request.json as { text: string; blocks: { text: { text: string } }[] };
    assert.equal(body.text, 'a &lt;b&gt; &amp; c');
    assert.equal(body.blocks[0]?.text.text, 'a <b> & c', 'plain_text needs no escaping');
    assert.equal(body.blocks[1]?.text.text, '&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  void it('keeps the header within Slack’s 150 characters', async () => {
    const long = { ...SAMPLES.test, title: 'x'.repeat(400) };
    const request = await captureRequest('slack', long);
    const body = request.json as { blocks: { text: { text: string } }[] };
    assert.equal(body.blocks[0]?.text.text.length, 150);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, SAMPLES } from '../test-fixtures.js';

void describe('teams notifier', () => {
  void it('POSTs an Adaptive Card message to the workflow URL', async () => {
    const request = await captureRequest('teams', SAMPLES.up);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/workflows/abc/triggers/manual/paths/invoke?sig=teams-secret-sig');
    assert.equal(request.headers['content-type'], 'application/json');
    const lines = SAMPLES.up.text.split('\n');
    assert.deepEqual(request.json, {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              {
                type: 'TextBlock',
                text: SAMPLES.up.title,
                size: 'Medium',
                weight: 'Bolder',
                color: 'Good',
                wrap: true,
              },
              ...lines.map((text) => ({ type: 'TextBlock', text, wrap: true, spacing: 'Small' })),
            ],
            msteams: { width: 'Full' },
          },
        },
      ],
    });
  });

  void it('colours the title by event', async () => {
    const colours = [];
    for (const sample of [SAMPLES.down, SAMPLES.certificate, SAMPLES.test]) {
      const request = await captureRequest('teams', sample);
      const card = request.json as {
        attachments: { content: { body: { color?: string }[] } }[];
      };
      colours.push(card.attachments[0]?.content.body[0]?.color);
    }
    assert.deepEqual(colours, ['Attention', 'Warning', 'Accent']);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, captureRequests, SAMPLES } from '../test-fixtures.js';
import { pagerduty } from './index.js';

const routingKey = 'pdsecretpdsecretpdsecretpdsecret';

void describe('pagerduty notifier', () => {
  void it('triggers a critical alert keyed by the incident on down', async () => {
    const request = await captureRequest('pagerduty', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v2/enqueue');
    assert.equal(request.headers['content-type'], 'application/json');
    const { monitor, incident, result } = SAMPLES.down;
    assert.deepEqual(request.json, {
      routing_key: routingKey,
      dedup_key: 'inc-42',
      event_action: 'trigger',
      client: 'Tireless',
      payload: {
        summary: SAMPLES.down.title,
        source: 'https://shop.example.com',
        severity: 'critical',
        timestamp: SAMPLES.down.at,
        component: 'Shop',
        class: 'http',
        custom_details: { text: SAMPLES.down.text, monitor, incident, result },
      },
    });
  });

  void it('re-triggers the same alert on a reminder and resolves it on up', async () => {
    const requests = await captureRequests('pagerduty', [SAMPLES.reminder, SAMPLES.up]);
    const [reminder, up] = requests.map((request) => request.json as Record<string, unknown>);
    assert.equal(reminder?.event_action, 'trigger');
    assert.equal(reminder?.dedup_key, 'inc-42');
    assert.deepEqual(up, { routing_key: routingKey, dedup_key: 'inc-42', event_action: 'resolve' });
  });

  void it('triggers a warning of its own for an expiring certificate', async () => {
    const request = await captureRequest('pagerduty', SAMPLES.certificate);
    const event = request.json as { dedup_key: string; payload: { severity: string } };
    assert.equal(event.payload.severity, 'warning');
    assert.equal(event.dedup_key, 'tireless-certificate-mon-2-2024-05-08T12:00:00.000Z');
  });

  void it('triggers an info alert with a tireless-test key for a test', async () => {
    const request = await captureRequest('pagerduty', SAMPLES.test);
    const event = request.json as { dedup_key: string; payload: { severity: string } };
    assert.equal(event.payload.severity, 'info');
    assert.match(event.dedup_key, /^tireless-test-/);
  });

  void it('defaults the events URL to PagerDuty’s', () => {
    const config = pagerduty.config.parse({ routingKey });
    assert.equal(config.eventsUrl, 'https://events.pagerduty.com/v2/enqueue');
  });
});

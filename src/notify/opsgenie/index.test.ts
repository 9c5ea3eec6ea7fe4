import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, SAMPLES } from '../test-fixtures.js';
import { opsgenie } from './index.js';

interface Alert {
  alias: string;
  priority: string;
}

void describe('opsgenie notifier', () => {
  void it('creates a P1 alert aliased by the incident on down', async () => {
    const request = await captureRequest('opsgenie', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v2/alerts');
    assert.equal(request.headers.authorization, 'GenieKey opsgenie-secret-key');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, {
      message: SAMPLES.down.title,
      alias: 'inc-42',
      description: SAMPLES.down.text,
      priority: 'P1',
      source: 'Tireless',
      entity: 'Shop',
      tags: ['tireless', 'monitor.down'],
      details: { monitorId: 'mon-1', monitorType: 'http', target: 'https://shop.example.com' },
    });
  });

  void it('closes the alert by alias on up', async () => {
    const request = await captureRequest('opsgenie', SAMPLES.up);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v2/alerts/inc-42/close?identifierType=alias');
    assert.equal(request.headers.authorization, 'GenieKey opsgenie-secret-key');
    assert.deepEqual(request.json, { source: 'Tireless', note: SAMPLES.up.title });
  });

  void it('gives certificate and test alerts their own alias and a lower priority', async () => {
    const certificate = (await captureRequest('opsgenie', SAMPLES.certificate)).json as Alert;
    const test = (await captureRequest('opsgenie', SAMPLES.test)).json as Alert;
    assert.equal(certificate.alias, 'tireless-certificate-mon-2-2024-05-08T12:00:00.000Z');
    assert.equal(certificate.priority, 'P3');
    assert.match(test.alias, /^tireless-test-mon-1-/);
    assert.equal(test.priority, 'P5');
  });

  void it('keeps the message within Opsgenie’s 130 characters', async () => {
    const long = { ...SAMPLES.test, title: 'x'.repeat(300) };
    const request = await captureRequest('opsgenie', long);
    assert.equal((request.json as { message: string }).message.length, 130);
  });

  void it('defaults the API URL to the US region', () => {
    assert.equal(opsgenie.config.parse({ apiKey: 'k' }).apiUrl, 'https://api.opsgenie.com');
  });
});

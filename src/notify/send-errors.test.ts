import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError } from '../errors/index.js';
import { Deadline } from '../deadline/index.js';
import {
  causeChain,
  deliveryError,
  interruptionText,
  redact,
  secretValues,
} from './send-errors.js';

void describe('secretValues', () => {
  void it('collects the string values of secret fields, and nothing else', () => {
    const config = { url: 'https://example.com', secret: 's3cret', port: 25, empty: '' };
    assert.deepEqual(secretValues(config, ['secret', 'port', 'empty', 'missing']), ['s3cret']);
  });

  void it('adds the percent-encoded form and a secret URL’s path and query', () => {
    const config = { token: 'a/b c', webhookUrl: 'https://hooks.example.com/T1/B2/xyz?sig=1' };
    assert.deepEqual(secretValues(config, ['token', 'webhookUrl']), [
      'a/b c',
      'a%2Fb%20c',
      'https://hooks.example.com/T1/B2/xyz?sig=1',
      'https%3A%2F%2Fhooks.example.com%2FT1%2FB2%2Fxyz%3Fsig%3D1',
      '/T1/B2/xyz?sig=1',
    ]);
  });
});

void describe('redact', () => {
  void it('replaces every occurrence, the longest secret first', () => {
    const text = 'GET /T1/B2/xyz failed for https://h.example/T1/B2/xyz (twice: xyz)';
    assert.equal(
      redact(text, ['xyz', '/T1/B2/xyz', 'https://h.example/T1/B2/xyz']),
      'GET [redacted] failed for [redacted] (twice: [redacted])',
    );
  });
});

void describe('deliveryError', () => {
  void it('names the type, keeps retryable, and redacts the reason and the cause', () => {
    const cause = new TypeError('fetch failed', {
      cause: new Error('Failed to parse URL from https://api.example/bot42:tok/send'),
    });
    const error = deliveryError('telegram', 'could not reach bot42:tok', {
      retryable: true,
      secrets: ['42:tok'],
      cause,
    });
    assert.equal(error.code, 'TIRELESS_DELIVERY');
    assert.equal(error.retryable, true);
    assert.equal(error.message, 'telegram: could not reach bot[redacted]');
    const printed = causeChain(error).map(describeError).join('\n');
    assert.ok(!printed.includes('42:tok'), printed);
    assert.match(printed, /parse URL from https:\/\/api\.example\/bot\[redacted\]\/send/);
  });

  void it('keeps a cause without secrets as it is', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const error = deliveryError('slack', 'down', { retryable: true, secrets: ['x1y2'], cause });
    assert.equal(error.cause, cause);
  });
});

void describe('interruptionText', () => {
  void it('says nothing while the attempt runs, then why it stopped', async () => {
    const attempt = new Deadline(20, new AbortController().signal);
    assert.equal(interruptionText(attempt), undefined);
    await new Promise((resolve) => attempt.signal.addEventListener('abort', resolve));
    assert.equal(interruptionText(attempt), 'timeout: no reply within 20 ms');
    const caller = new AbortController();
    const aborted = new Deadline(10_000, caller.signal);
    caller.abort();
    assert.match(interruptionText(aborted) ?? '', /^aborted before the service replied$/);
  });
});

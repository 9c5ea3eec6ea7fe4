import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeNotification, type NotificationInput } from './compose.js';

const monitor = { id: 'mon-1', name: 'Shop', type: 'http', target: 'https://shop.example.com' };
const result = {
  slot: '2024-05-01T12:00:00.000Z',
  checkedAt: '2024-05-01T12:00:01.000Z',
  status: 'down' as const,
  latencyMs: 10000.4,
  error: 'timeout after 10 s',
  node: 'node-a',
  region: 'eu-west',
};
const incident = { id: 'inc-42', started: '2024-05-01T12:00:01.000Z' };

const down: NotificationInput = {
  event: 'monitor.down',
  at: '2024-05-01T12:00:01.000Z',
  monitor,
  incident,
  result,
};

function upAfter(ended: string): NotificationInput {
  return {
    event: 'monitor.up',
    at: ended,
    monitor,
    incident: { ...incident, ended },
    result: { ...result, status: 'up', latencyMs: 120, error: undefined, checkedAt: ended },
  };
}

function certificate(daysLeft: number, target = 'shop.example.com:443'): NotificationInput {
  return {
    event: 'certificate.expiring',
    at: '2024-05-01T12:00:00.000Z',
    monitor: { ...monitor, type: 'tls', target },
    certificate: { daysLeft, expiresAt: '2024-05-08T12:00:00.000Z' },
  };
}

void describe('composeNotification', () => {
  void it('writes a down alert with the error, time, node, region and latency', () => {
    const composed = composeNotification(down);
    assert.equal(composed.title, 'DOWN: Shop (https://shop.example.com) — timeout after 10 s');
    assert.equal(
      composed.text,
      [
        'Shop (https://shop.example.com) is down.',
        'Error: timeout after 10 s',
        'Checked: 2024-05-01 12:00:01 UTC from node-a (eu-west), latency 10000 ms',
        'Down since: 2024-05-01 12:00:01 UTC',
        'Incident: inc-42',
      ].join('\n'),
    );
  });

  void it('says a reminder is still down, and for how long', () => {
    const composed = composeNotification({ ...down, at: '2024-05-01T12:30:01.000Z', reminder: 2 });
    assert.equal(
      composed.title,
      'DOWN: Shop (https://shop.example.com) — still down (reminder 2) — timeout after 10 s',
    );
    assert.match(
      composed.text,
      /^Shop \(https:\/\/shop\.example\.com\) is still down \(reminder 2\)\.\n/,
    );
    assert.match(composed.text, /\nDown since: 2024-05-01 12:00:01 UTC \(for 30 min\)\n/);
  });

  void it('writes an up alert with how long it was down', () => {
    const composed = composeNotification(upAfter('2024-05-01T12:04:01.000Z'));
    assert.equal(composed.title, 'UP: Shop (https://shop.example.com) after 4 min');
    assert.equal(
      composed.text,
      [
        'Shop (https://shop.example.com) is up again after 4 min.',
        'Checked: 2024-05-01 12:04:01 UTC from node-a (eu-west), latency 120 ms',
        'Down from: 2024-05-01 12:00:01 UTC to 2024-05-01 12:04:01 UTC',
        'Incident: inc-42',
      ].join('\n'),
    );
  });

  void it('prints downtime in its two largest units, rounded down', () => {
    const cases = [
      ['2024-05-01T12:00:46.000Z', 'after 45 s'],
      ['2024-05-01T12:01:00.999Z', 'after 59 s'],
      ['2024-05-01T14:00:01.000Z', 'after 2 h'],
      ['2024-05-01T14:05:31.000Z', 'after 2 h 5 min'],
      ['2024-05-04T16:00:01.000Z', 'after 3 d 4 h'],
      ['2024-05-02T12:00:01.000Z', 'after 1 d'],
    ];
    for (const [ended, expected] of cases) {
      const { title } = composeNotification(upAfter(ended ?? ''));
      assert.equal(title, `UP: Shop (https://shop.example.com) ${expected}`);
    }
  });

  void it('leaves out the downtime of an up without an incident', () => {
    const withoutIncident = upAfter('2024-05-01T12:04:01.000Z');
    delete withoutIncident.incident;
    const composed = composeNotification(withoutIncident);
    assert.equal(composed.title, 'UP: Shop (https://shop.example.com)');
    assert.doesNotMatch(composed.text, /Incident|Down from/);
  });

  void it('names the certificate host and when it expires', () => {
    const cases: [number, string, string][] = [
      [7, 'shop.example.com:443', 'Certificate for shop.example.com expires in 7 days'],
      [1, 'https://shop.example.com/path', 'Certificate for shop.example.com expires in 1 day'],
      [0, 'shop.example.com', 'Certificate for shop.example.com expires today'],
      [-3, 'shop.example.com:8443', 'Certificate for shop.example.com expired 3 days ago'],
    ];
    for (const [daysLeft, target, title] of cases) {
      assert.equal(composeNotification(certificate(daysLeft, target)).title, title);
    }
    assert.equal(
      composeNotification(certificate(7)).text,
      [
        'The TLS certificate for shop.example.com expires in 7 days.',
        'Expires: 2024-05-08 12:00:00 UTC',
        'Monitor: Shop (shop.example.com:443)',
        'At: 2024-05-01 12:00:00 UTC',
      ].join('\n'),
    );
  });

  void it('writes a test notification', () => {
    const composed = composeNotification({ event: 'test', at: '2024-05-01T12:00:00Z', monitor });
    assert.equal(composed.title, 'Test notification from Tireless');
    assert.equal(
      composed.text,
      [
        'This is a test notification from Tireless. If you can read it, this channel works.',
        'Monitor: Shop (https://shop.example.com)',
        'At: 2024-05-01 12:00:00 UTC',
      ].join('\n'),
    );
  });

  void it('keeps the title on one line and short, while the text has the whole error', () => {
    const error = `connect failed:\n  ${'x'.repeat(300)}`;
    const composed = composeNotification({ ...down, result: { ...result, error } });
    assert.doesNotMatch(composed.title, /\n/);
    assert.ok(composed.title.length < 200, composed.title);
    assert.ok(composed.title.endsWith('…'));
    assert.ok(composed.text.includes(`Error: ${error}`));
  });

  void it('names a monitor once when its name is its target', () => {
    const named = { ...monitor, name: monitor.target };
    const { title } = composeNotification({ ...down, monitor: named, result: undefined });
    assert.equal(title, 'DOWN: https://shop.example.com');
  });

  void it('shows a time it cannot parse as given', () => {
    const { text } = composeNotification({ event: 'test', at: 'sometime', monitor });
    assert.match(text, /\nAt: sometime$/);
  });

  void it('is pure: same input, same output, input untouched, stale title replaced', () => {
    const input = structuredClone(down);
    const stale = { ...input, title: 'old', text: 'old' };
    assert.deepEqual(composeNotification(input), composeNotification(input));
    assert.deepEqual(input, down);
    assert.deepEqual(composeNotification(stale), composeNotification(input));
  });
});

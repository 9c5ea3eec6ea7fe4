import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHANNEL_TYPES, getNotifier, isChannelType, notifiers } from './index.js';

void describe('notifier registry', () => {
  void it('registers every channel type the product offers', () => {
    assert.deepEqual([...CHANNEL_TYPES].sort(), [
      'discord',
      'email',
      'gotify',
      'matrix',
      'ntfy',
      'opsgenie',
      'pagerduty',
      'pushover',
      'slack',
      'teams',
      'telegram',
      'webhook',
    ]);
  });

  void it('finds a notifier by type, and nothing for other names', () => {
    assert.equal(getNotifier('slack'), notifiers.slack);
    for (const name of ['sms', 'toString', '__proto__', 'constructor', '']) {
      assert.equal(getNotifier(name), undefined, name);
      assert.equal(isChannelType(name), false, name);
    }
  });

  void it('cannot be changed at run time', () => {
    assert.ok(Object.isFrozen(notifiers));
    assert.ok(Object.isFrozen(CHANNEL_TYPES));
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Token } from '../model/index.js';
import { isExpired, LAST_SEEN_EVERY_MS, lastSeenDue, tokenEndsAt } from './token-life.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.UTC(2030, 0, 1);
const LIMITS = { idleMs: 7 * DAY, maxAgeMs: 30 * DAY };

function token(fields: Partial<Token>): Token {
  return {
    id: 'a'.repeat(64),
    accountId: 'acc_1',
    userId: 'usr_1',
    kind: 'session',
    name: 'login',
    expiresAt: T0 + 30 * DAY,
    lastSeenAt: T0,
    revision: 1,
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  };
}

test('a session ends at the first of its stored expiry, its maximum age and its idle timeout', () => {
  const cases: [string, Partial<Token>, number | null][] = [
    ['unused since login: the idle timeout', {}, T0 + 7 * DAY],
    ['seen 10 days in: 7 days after that', { lastSeenAt: T0 + 10 * DAY }, T0 + 17 * DAY],
    ['seen on day 28: the maximum age', { lastSeenAt: T0 + 28 * DAY }, T0 + 30 * DAY],
    ['stored expiry earlier than both', { expiresAt: T0 + DAY }, T0 + DAY],
    [
      'no stored expiry (older format)',
      { expiresAt: null, lastSeenAt: T0 + 29 * DAY },
      T0 + 30 * DAY,
    ],
    ['no lastSeenAt (older format): createdAt counts', { lastSeenAt: undefined }, T0 + 7 * DAY],
    [
      'an API token without expiry: never',
      { kind: 'api', lastSeenAt: undefined, expiresAt: null },
      null,
    ],
    [
      'an API token ignores the session limits',
      { kind: 'api', expiresAt: T0 + 400 * DAY },
      T0 + 400 * DAY,
    ],
  ];
  for (const [name, fields, endsAt] of cases) {
    assert.equal(tokenEndsAt(token(fields), LIMITS), endsAt, name);
  }
  // Lowered settings shorten sessions that exist.
  assert.equal(tokenEndsAt(token({}), { idleMs: 30 * MIN, maxAgeMs: DAY }), T0 + 30 * MIN);
});

test('expired from the end instant on, not a millisecond before', () => {
  const session = token({ lastSeenAt: T0 + DAY });
  assert.equal(isExpired(session, T0 + 8 * DAY - 1, LIMITS), false);
  assert.equal(isExpired(session, T0 + 8 * DAY, LIMITS), true);
  const api = token({ kind: 'api', expiresAt: null });
  assert.equal(isExpired(api, T0 + 10_000 * DAY, LIMITS), false);
  assert.equal(isExpired(token({ kind: 'api', expiresAt: T0 + 5 }), T0 + 5, LIMITS), true);
});

test('a session is recorded as seen at most once per LAST_SEEN_EVERY_MS', () => {
  const cases: [string, Partial<Token>, number, boolean][] = [
    ['just seen', {}, T0 + 1, false],
    ['a moment short', {}, T0 + LAST_SEEN_EVERY_MS - 1, false],
    ['due', {}, T0 + LAST_SEEN_EVERY_MS, true],
    ['older format: from createdAt', { lastSeenAt: undefined }, T0 + LAST_SEEN_EVERY_MS, true],
    ["another node's clock is behind", {}, T0 - MIN, false],
    ['API tokens are never recorded', { kind: 'api' }, T0 + DAY, false],
  ];
  for (const [name, fields, now, due] of cases) {
    assert.equal(lastSeenDue(token(fields), now), due, name);
  }
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account, Monitor, Quotas } from '../model/index.js';
import {
  countProblems,
  monitorQuotaProblems,
  monitorDefaults,
  NO_QUOTAS,
  operatorOf,
  quotasInForce,
} from './quotas.js';
import { badFields, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const DEFAULTS: Quotas = {
  monitors: 2,
  minIntervalSeconds: 60,
  maxBodyBytes: 100_000,
  channels: 1,
  apiRequestsPerMinute: 0,
  pushRequestsPerMinute: 0,
};

const HTTP = { name: 'shop', type: 'http', url: 'https://shop.example.com', intervalSeconds: 60 };
const HOOK = { type: 'webhook', name: 'hook', config: { url: 'https://hooks.example.com/x' } };

function account(id: string, createdAt: number, extra: Partial<Account> = {}): Account {
  return { id, accountId: id, name: id, revision: 1, createdAt, updatedAt: createdAt, ...extra };
}

test('quotas in force: the defaults, none for the operator, the account’s own over both', () => {
  const cases: { name: string; own?: Partial<Quotas>; operator: boolean; want: Quotas }[] = [
    { name: 'an account of sign-up', operator: false, want: DEFAULTS },
    { name: 'the operator', operator: true, want: NO_QUOTAS },
    {
      name: 'its own over the defaults',
      own: { monitors: 500, minIntervalSeconds: 0 },
      operator: false,
      want: { ...DEFAULTS, monitors: 500, minIntervalSeconds: 0 },
    },
    {
      name: 'the operator limits itself',
      own: { channels: 3 },
      operator: true,
      want: { ...NO_QUOTAS, channels: 3 },
    },
  ];
  for (const c of cases) {
    assert.deepEqual(quotasInForce(DEFAULTS, { quotas: c.own }, c.operator), c.want, c.name);
  }
});

test("the operator's account: the one setup marked, else the oldest", () => {
  assert.equal(operatorOf([]), undefined);
  assert.equal(operatorOf([account('b', 20), account('a', 10), account('c', 10)]), 'a');
  assert.equal(operatorOf([account('a', 10), account('s', 30, { operator: true })]), 's');
});

test('monitor quotas: counted on create; interval and body checked when set or changed', () => {
  const stored = { intervalSeconds: 30, maxBodyBytes: 200_000 } as unknown as Monitor;
  const cases: {
    name: string;
    fields: Json;
    current?: Monitor;
    count?: number;
    want: string[];
  }[] = [
    { name: 'within', fields: { intervalSeconds: 60, maxBodyBytes: 100_000 }, want: [] },
    { name: 'the last one allowed', fields: { intervalSeconds: 60 }, count: 1, want: [] },
    { name: 'one too many', fields: { intervalSeconds: 60 }, count: 2, want: ['(body)'] },
    { name: 'too often', fields: { intervalSeconds: 59 }, want: ['intervalSeconds'] },
    { name: 'too large a body', fields: { maxBodyBytes: 100_001 }, want: ['maxBodyBytes'] },
    {
      name: 'a change keeps what the account had (set before the quota)',
      fields: { intervalSeconds: 30, maxBodyBytes: 200_000 },
      current: stored,
      count: 9,
      want: [],
    },
    {
      name: 'a change to a value beyond the quota',
      fields: { intervalSeconds: 20, maxBodyBytes: 300_000 },
      current: stored,
      want: ['intervalSeconds', 'maxBodyBytes'],
    },
  ];
  for (const c of cases) {
    const problems = monitorQuotaProblems(DEFAULTS, c.fields, c.current, () => c.count ?? 0);
    assert.deepEqual(
      problems.map((p) => p.field),
      c.want,
      c.name,
    );
  }
  // Without a quota nothing is counted: an account of 30,000 monitors would pay a count per create.
  const counted: number[] = [];
  const countUpTo = (most: number) => (counted.push(most), 1e6);
  assert.deepEqual(
    monitorQuotaProblems(NO_QUOTAS, { intervalSeconds: 1 }, undefined, countUpTo),
    [],
  );
  assert.deepEqual(counted, []);
  assert.match(
    countProblems(DEFAULTS, 'channels', countUpTo)[0]?.problem ?? '',
    /at most 1 channels and has reached that \(quota channels\)/,
  );
  assert.deepEqual(counted, [DEFAULTS.channels], 'counted no further than the quota');
});

void describe('quotas through the API', () => {
  let api: TestApi;
  let other: string;
  before(async () => {
    api = await createTestApi({ settings: { signup: 'open', quotas: DEFAULTS } });
    other = await signUp(api.app, 'other@example.com');
  });
  after(() => api.close());

  test("the operator's account has no quota", async () => {
    for (let i = 0; i < 3; i++) {
      const reply = await api.call('POST', '/api/v1/monitors', {
        payload: { ...HTTP, intervalSeconds: 10 },
      });
      assert.equal(reply.statusCode, 201, reply.body);
    }
    const mine = (await api.call('GET', '/api/v1/quotas')).json<Json>();
    assert.deepEqual(mine.quotas, NO_QUOTAS);
    assert.equal(mine.operator, true);
  });

  test('a sign-up account is refused beyond its quotas, naming the field and limit, and nothing changes', async () => {
    // Not given, the body cap is the quota rather than the check's larger default.
    const capped = monitorDefaults(DEFAULTS, HTTP, { ...HTTP, maxBodyBytes: 1_048_576 });
    assert.equal(capped.maxBodyBytes, 100_000);
    const tooOften = await api.call('POST', '/api/v1/monitors', {
      token: other,
      payload: { ...HTTP, intervalSeconds: 10 },
    });
    assert.equal(tooOften.statusCode, 403, tooOften.body);
    assert.equal(errorOf(tooOften).code, 'TIRELESS_QUOTA');
    assert.deepEqual(badFields(tooOften), ['intervalSeconds']);
    assert.match(errorOf(tooOften).message, /at least 60/);
    const list = () => api.call('GET', '/api/v1/monitors', { token: other });
    assert.equal((await list()).json<{ items: Json[] }>().items.length, 0);

    const created: Json[] = [];
    for (let i = 0; i < 2; i++) {
      const reply = await api.call('POST', '/api/v1/monitors', { token: other, payload: HTTP });
      assert.equal(reply.statusCode, 201, reply.body);
      created.push(reply.json<Json>());
    }
    const third = await api.call('POST', '/api/v1/monitors', { token: other, payload: HTTP });
    assert.equal(third.statusCode, 403);
    assert.match(errorOf(third).message, /at most 2 monitors/);
    assert.equal((await list()).json<{ items: Json[] }>().items.length, 2);

    const faster = await api.call('PATCH', `/api/v1/monitors/${String(created[0]?.id)}`, {
      token: other,
      payload: { intervalSeconds: 30, maxBodyBytes: 200_000 },
    });
    assert.equal(faster.statusCode, 403);
    assert.deepEqual(badFields(faster), ['intervalSeconds', 'maxBodyBytes']);
    const unchanged = await api.call('GET', `/api/v1/monitors/${String(created[0]?.id)}`, {
      token: other,
    });
    assert.equal(unchanged.json<Json>().intervalSeconds, 60);

    assert.equal(
      (await api.call('POST', '/api/v1/channels', { token: other, payload: HOOK })).statusCode,
      201,
    );
    const second = await api.call('POST', '/api/v1/channels', { token: other, payload: HOOK });
    assert.equal(second.statusCode, 403);
    assert.match(errorOf(second).message, /at most 1 channels/);
  });

  test("only the operator's owner sees accounts and sets their quotas", async () => {
    const mine = (await api.call('GET', '/api/v1/quotas', { token: other })).json<Json>();
    assert.deepEqual(mine.quotas, DEFAULTS);
    const accountId = (
      (await api.call('GET', '/api/v1/auth/session', { token: other })).json<Json>().user as Json
    ).accountId as string;
    for (const [method, url] of [
      ['GET', '/api/v1/accounts'],
      ['PATCH', `/api/v1/accounts/${accountId}/quotas`],
    ] as const) {
      const refused = await api.call(method, url, { token: other, payload: { monitors: 100 } });
      assert.equal(refused.statusCode, 403, `${method} ${url}`);
      assert.equal(errorOf(refused).code, 'TIRELESS_FORBIDDEN');
    }

    const raised = await api.call('PATCH', `/api/v1/accounts/${accountId}/quotas`, {
      payload: { monitors: 3, minIntervalSeconds: 0 },
    });
    assert.equal(raised.statusCode, 200, raised.body);
    assert.deepEqual(raised.json<Json>().quotas, { monitors: 3, minIntervalSeconds: 0 });
    const fast = await api.call('POST', '/api/v1/monitors', {
      token: other,
      payload: { ...HTTP, intervalSeconds: 10 },
    });
    assert.equal(fast.statusCode, 201, fast.body);

    const bad = await api.call('PATCH', `/api/v1/accounts/${accountId}/quotas`, {
      payload: { monitors: -1, hats: 3 },
    });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(badFields(bad).sort(), ['hats', 'monitors']);

    const reset = await api.call('PATCH', `/api/v1/accounts/${accountId}/quotas`, {
      payload: { monitors: null, minIntervalSeconds: null },
    });
    assert.deepEqual(reset.json<Json>().inForce, DEFAULTS);
    const accounts = (await api.call('GET', '/api/v1/accounts')).json<{ items: Json[] }>().items;
    assert.deepEqual(
      accounts.filter((a) => a.operator).map((a) => a.name),
      ['owner@example.com'],
    );
    assert.equal(accounts.length, 2);
    const missing = await api.call('PATCH', '/api/v1/accounts/acc_nope/quotas', {
      payload: { monitors: 1 },
    });
    assert.equal(missing.statusCode, 404);
  });
});

test('API and push rates are limited per account, with Retry-After', async () => {
  const api = await createTestApi({
    settings: {
      signup: 'open',
      quotas: { ...NO_QUOTAS, apiRequestsPerMinute: 4, pushRequestsPerMinute: 2 },
    },
  });
  try {
    const other = await signUp(api.app, 'other@example.com');
    const push = await api.call('POST', '/api/v1/monitors', {
      token: other,
      payload: { name: 'cron', type: 'push' },
    });
    assert.equal(push.statusCode, 201, push.body);
    const { pushUrl } = push.json<{ pushUrl: string }>();
    for (let i = 0; i < 2; i++) {
      assert.equal((await api.call('GET', pushUrl, { token: null })).statusCode, 200);
    }
    const pushRefused = await api.call('GET', pushUrl, { token: null });
    assert.equal(pushRefused.statusCode, 429);
    assert.deepEqual(badFields(pushRefused), ['pushRequestsPerMinute']);

    for (let i = 0; i < 3; i++) {
      const reply = await api.call('GET', '/api/v1/monitors', { token: other });
      assert.equal(reply.statusCode, 200, `request ${i + 2}`);
    }
    const refused = await api.call('GET', '/api/v1/monitors', { token: other });
    assert.equal(refused.statusCode, 429);
    assert.equal(errorOf(refused).code, 'TIRELESS_RATE_LIMITED');
    assert.deepEqual(badFields(refused), ['apiRequestsPerMinute']);
    assert.match(errorOf(refused).message, /at most 4 a minute/);
    assert.ok(Number(refused.headers['retry-after']) > 0, JSON.stringify(refused.headers));
    // The operator's account, and its own count, are apart.
    for (let i = 0; i < 6; i++) {
      assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 200);
    }
  } finally {
    await api.close();
  }
});

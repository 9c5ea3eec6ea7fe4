/**
 * Deleting an account: only its owner, with the password (and a code when two-factor login is
 * on); never the operator's; everything of the account goes, as tombstones, and nothing of
 * another account does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { FakeClock } from '../clock/index.js';
import type { User } from '../model/index.js';
import { totpAt, totpStep } from '../secrets/index.js';
import { badFields, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;
const PASSWORD = 'doomed password long';
const SLOT = Date.UTC(2026, 0, 1);

async function created(api: TestApi, token: string, url: string, payload: Json): Promise<string> {
  const reply = await api.call('POST', url, { token, payload });
  assert.equal(reply.statusCode, 201, `${url}: ${reply.body}`);
  return reply.json<{ id: string }>().id;
}

/** A monitor, a channel it alerts, a window, a status page, a token and an invitation. */
async function fill(api: TestApi, token: string, label: string) {
  const channel = await created(api, token, '/api/v1/channels', {
    type: 'webhook',
    name: `${label} hook`,
    config: { url: 'https://hooks.example.com/a' },
  });
  const monitor = await created(api, token, '/api/v1/monitors', {
    name: `${label} shop`,
    type: 'http',
    url: 'https://shop.example.com',
    channelIds: [channel],
  });
  await created(api, token, '/api/v1/maintenance', {
    name: `${label} upgrade`,
    monitorIds: [monitor],
    schedule: { kind: 'once', startsAt: 1, endsAt: 2 },
  });
  const slug = `${label}-status`;
  await created(api, token, '/api/v1/status-pages', { slug, title: label, monitorIds: [monitor] });
  await created(api, token, '/api/v1/tokens', { name: `${label} ci` });
  await created(api, token, '/api/v1/invitations', {
    email: `${label}-invited@example.com`,
    role: 'viewer',
  });
  // A down result: a result, rollups, state, an incident and a queued delivery.
  const down = {
    slot: SLOT,
    checkedAt: SLOT + 3,
    latencyMs: 42,
    node: 'node-test',
    region: 'local',
  };
  api.record([{ monitorId: monitor, status: 'down', error: 'HTTP 503', ...down }]);
  return { monitor, slug };
}

/** Rows of `accountId`'s (or its monitor's) in each table that holds them. */
function rowsOf(api: TestApi, accountId: string, monitorId: string): Record<string, number> {
  const db = new Database(api.deps.store.path, { readonly: true });
  try {
    const count = (sql: string, id: string) => db.prepare(sql).pluck().get(id) as number;
    const byMonitor = (table: string) =>
      count(
        `SELECT count(*) FROM ${table} WHERE monitor = (SELECT n FROM keys_monitor WHERE id = ?)`,
        monitorId,
      );
    return {
      config: count(
        'SELECT count(*) FROM config WHERE account_id = ? AND doc IS NOT NULL',
        accountId,
      ),
      results: byMonitor('results'),
      rollups: byMonitor('rollup_minute') + byMonitor('rollup_hour') + byMonitor('rollup_day'),
      state: count('SELECT count(*) FROM monitor_state WHERE monitor_id = ?', monitorId),
      incidents: count('SELECT count(*) FROM incidents WHERE account_id = ?', accountId),
      deliveries: count('SELECT count(*) FROM deliveries WHERE account_id = ?', accountId),
    };
  } finally {
    db.close();
  }
}

void describe('DELETE /api/v1/account', () => {
  void it("deletes everything of the account, and nothing of another's", async (t) => {
    const api = await createTestApi({ settings: { signup: 'open' } });
    t.after(() => api.close());
    const doomed = await signUp(api.app, 'doomed@example.com', PASSWORD);
    const doomedId = (await api.call('GET', '/api/v1/account', { token: doomed })).json<{
      id: string;
    }>().id;
    const operatorId = (await api.call('GET', '/api/v1/account')).json<{ id: string }>().id;
    const theirs = await fill(api, doomed, 'doomed');
    const mine = await fill(api, api.token, 'mine');

    // A user at home in it (a viewer), and the operator's owner as a member visiting it.
    const accept = async (email: string, token: string | null, payload: Json) => {
      const link = await api.call('POST', '/api/v1/invitations', {
        token: doomed,
        payload: { email, role: email.startsWith('viewer') ? 'viewer' : 'member' },
      });
      const reply = await api.call('POST', '/api/v1/invitations/accept', {
        token,
        payload: { token: link.json<{ token: string }>().token, ...payload },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      return reply.json<{ token?: string }>();
    };
    const viewer = (await accept('viewer@example.com', null, { password: 'viewer password' }))
      .token as string;
    await accept(api.owner.email, api.token, {});
    const logIn = async () =>
      (
        await api.call('POST', '/api/v1/auth/login', {
          token: null,
          payload: { email: api.owner.email, password: api.owner.password },
        })
      ).json<{ token: string }>().token;
    // A session at home, and one the owner switches to the account.
    const home = await logIn();
    const visitor = await logIn();
    const switched = await api.call('POST', '/api/v1/auth/account', {
      token: visitor,
      payload: { accountId: doomedId },
    });
    assert.equal(switched.statusCode, 200, switched.body);

    const before = rowsOf(api, doomedId, theirs.monitor);
    for (const [what, count] of Object.entries(before)) assert.ok(count > 0, `${what} there`);
    const operatorBefore = rowsOf(api, operatorId, mine.monitor);
    const remove = (token: string, payload: Json) =>
      api.call('DELETE', '/api/v1/account', { token, payload });

    assert.equal((await remove(viewer, { password: 'viewer password' })).statusCode, 403);
    assert.equal((await remove(visitor, { password: api.owner.password })).statusCode, 403);
    const wrong = await remove(doomed, { password: 'not the password' });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(badFields(wrong), ['password']);
    assert.deepEqual(badFields(await remove(doomed, {})), ['password']);
    const operator = await remove(home, { password: api.owner.password });
    assert.equal(operator.statusCode, 409);
    assert.match(errorOf(operator).message, /operator's account/);
    assert.deepEqual(rowsOf(api, doomedId, theirs.monitor), before, 'refused: nothing changed');
    assert.deepEqual(rowsOf(api, operatorId, mine.monitor), operatorBefore);

    const tombstonesBefore = api.deps.store.listConfigEntries().filter((e) => e.doc === null);
    assert.equal((await remove(doomed, { password: PASSWORD })).statusCode, 204);

    assert.deepEqual(
      rowsOf(api, doomedId, theirs.monitor),
      { config: 0, results: 0, rollups: 0, state: 0, incidents: 0, deliveries: 0 },
      'nothing of the account is left',
    );
    const tombstones = api.deps.store
      .listConfigEntries()
      .filter((e) => e.doc === null && !tombstonesBefore.some((old) => old.id === e.id));
    const kinds = new Set(tombstones.map((e) => e.kind));
    for (const kind of ['account', 'user', 'membership', 'token', 'monitor', 'channel']) {
      assert.ok(kinds.has(kind as never), `a tombstone of the ${kind} to replicate`);
    }
    for (const token of [doomed, viewer, visitor]) {
      assert.equal((await api.call('GET', '/api/v1/account', { token })).statusCode, 401);
    }
    assert.equal(api.deps.store.findUserByEmail<User>('viewer@example.com'), undefined);
    assert.equal(
      (await api.call('GET', `/status/${theirs.slug}`, { token: null })).statusCode,
      404,
    );

    // The operator's account as it was, but for the two sessions acting in the deleted one
    // (setup's, switched there by accepting the invitation, and the visitor).
    const after = rowsOf(api, operatorId, mine.monitor);
    assert.deepEqual(after, { ...operatorBefore, config: (operatorBefore.config ?? 0) - 2 });
    assert.equal((await api.call('GET', '/api/v1/account')).statusCode, 401, "setup's ended");
    const accounts = await api.call('GET', '/api/v1/auth/session', { token: home });
    assert.equal(accounts.statusCode, 200, accounts.body);
    assert.ok(!accounts.body.includes(doomedId), 'the owner is no member of it any more');
    assert.equal((await api.call('GET', `/status/${mine.slug}`, { token: null })).statusCode, 200);
  });

  void it('takes a code when two-factor login is on', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1, 12, 0, 15));
    const api = await createTestApi({ clock, settings: { signup: 'open' } });
    t.after(() => api.close());
    const doomed = await signUp(api.app, 'doomed@example.com', PASSWORD);
    const started = await api.call('POST', '/api/v1/auth/totp', {
      token: doomed,
      payload: { password: PASSWORD },
    });
    const { secret } = started.json<{ secret: string }>();
    const code = (offset: number) => totpAt(secret, totpStep(clock.now()) + offset);
    const confirmed = await api.call('POST', '/api/v1/auth/totp/confirm', {
      token: doomed,
      payload: { code: code(0) },
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const remove = (payload: Json) =>
      api.call('DELETE', '/api/v1/account', { token: doomed, payload });

    const missing = await remove({ password: PASSWORD });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(badFields(missing), ['code']);
    assert.deepEqual(badFields(await remove({ password: PASSWORD, code: '000000' })), ['code']);
    assert.equal((await api.call('GET', '/api/v1/account', { token: doomed })).statusCode, 200);
    assert.equal((await remove({ password: PASSWORD, code: code(1) })).statusCode, 204);
    assert.equal(api.deps.store.findUserByEmail('doomed@example.com'), undefined);
  });
});

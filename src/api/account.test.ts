/**
 * The account's own settings, `GET`/`PATCH /api/v1/account`: its name (owners) and its own
 * retention (admins and owners, at most the node's), each field's problem named, nothing
 * changed by a refused request, each account's its own, and housekeeping honouring it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import type { Account } from '../model/index.js';
import { DAY_MS } from '../store/index.js';
import { addMember, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

const NODE_DAYS = 90;
const PASSWORD = 'member-password-1';

interface AccountReply {
  id: string;
  name: string;
  role: string;
  retentionDays: number | null;
  nodeRetentionDays: number;
}

void describe('the account: name and retention', () => {
  let api: TestApi;
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const tokens: Record<'viewer' | 'member' | 'admin' | 'other', string> = {
    viewer: '',
    member: '',
    admin: '',
    other: '',
  };

  before(async () => {
    api = await createTestApi({
      clock,
      settings: { signup: 'open', retentionDays: NODE_DAYS },
    });
    for (const role of ['viewer', 'member', 'admin'] as const) {
      tokens[role] = await addMember(api, role, PASSWORD);
    }
    tokens.other = await signUp(api.app, 'other@example.com');
  });
  after(() => api.close());

  const patch = (payload: unknown, token = api.token) =>
    api.call('PATCH', '/api/v1/account', {
      token,
      payload: JSON.stringify(payload),
      headers: { 'content-type': 'application/json' },
    });
  const read = async (token = api.token) => {
    const reply = await api.call('GET', '/api/v1/account', { token });
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json<AccountReply>();
  };
  /** The first account as stored. */
  const stored = async () => {
    const { id } = await read();
    return api.deps.store.getConfig<Account & { revision: number }>('account', id);
  };

  void it("answers its own retention (null: the node's rules) and the node's", async () => {
    const account = await read(tokens.viewer);
    assert.equal(account.retentionDays, null);
    assert.equal(account.nodeRetentionDays, NODE_DAYS);
    assert.equal(account.role, 'viewer');
  });

  void it("an admin sets the retention, up to the node's; null gives the node's rules back", async () => {
    const set = await patch({ retentionDays: 7 }, tokens.admin);
    assert.equal(set.statusCode, 200, set.body);
    assert.equal(set.json<AccountReply>().retentionDays, 7);
    assert.equal((await read(tokens.viewer)).retentionDays, 7);
    assert.equal((await stored())?.retentionDays, 7);

    const most = await patch({ retentionDays: NODE_DAYS });
    assert.equal(most.json<AccountReply>().retentionDays, NODE_DAYS);

    const cleared = await patch({ retentionDays: null }, tokens.admin);
    assert.equal(cleared.statusCode, 200, cleared.body);
    assert.equal(cleared.json<AccountReply>().retentionDays, null);
    assert.equal(
      (await stored())?.retentionDays,
      undefined,
      "the node's rules: nothing of its own",
    );
  });

  void it('names the field and its problem; a refused change changes nothing', async () => {
    await patch({ retentionDays: 30 });
    const before = JSON.stringify(await stored());
    const cases: [unknown, string, string][] = [
      [
        { retentionDays: NODE_DAYS + 1 },
        'retentionDays',
        "must be at most 90, the node's retention",
      ],
      [{ retentionDays: 0 }, 'retentionDays', 'must be at least 1 day'],
      [{ retentionDays: 1.5 }, 'retentionDays', 'must be a whole number of days, or null'],
      [{ retentionDays: '7' }, 'retentionDays', 'must be a whole number of days, or null'],
      [{ name: '  ' }, 'name', 'must not be empty'],
      [{ name: 'x'.repeat(201) }, 'name', 'must be 200 characters or fewer'],
      [{ retention: 7 }, 'retention', 'is not a known field'],
    ];
    for (const [payload, field, problem] of cases) {
      const reply = await patch(payload);
      const what = `${JSON.stringify(payload).slice(0, 40)}: ${reply.body}`;
      assert.equal(reply.statusCode, 400, what);
      const error = errorOf(reply);
      assert.equal(error.code, 'TIRELESS_VALIDATION', what);
      assert.deepEqual(error.fields, [{ field, problem }], what);
      assert.ok(error.message.includes(`${field}: ${problem}`), what);
    }
    assert.equal(JSON.stringify(await stored()), before, 'nothing changed');
  });

  void it('a viewer and a member change nothing; an admin may not rename; an owner may', async () => {
    const before = JSON.stringify(await stored());
    for (const role of ['viewer', 'member'] as const) {
      const reply = await patch({ retentionDays: 3 }, tokens[role]);
      assert.equal(reply.statusCode, 403, `${role}: ${reply.body}`);
    }
    const rename = await patch({ name: 'Admin was here', retentionDays: 3 }, tokens.admin);
    assert.equal(rename.statusCode, 403, rename.body);
    assert.deepEqual(errorOf(rename).fields, [
      { field: 'name', problem: 'may be changed by an owner only' },
    ]);
    assert.equal(JSON.stringify(await stored()), before, 'nothing changed, the retention neither');

    const renamed = await patch({ name: '  Acme Ops  ' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json<AccountReply>().name, 'Acme Ops');
    assert.equal((await read(tokens.viewer)).name, 'Acme Ops');
  });

  void it("another account's owner changes only its own", async () => {
    const before = JSON.stringify(await stored());
    const reply = await patch({ name: 'Other Co', retentionDays: 5 }, tokens.other);
    assert.equal(reply.statusCode, 200, reply.body);
    const other = reply.json<AccountReply>();
    assert.notEqual(other.id, (await read()).id);
    assert.equal(other.retentionDays, 5);
    assert.equal((await read(tokens.other)).name, 'Other Co');
    assert.equal(JSON.stringify(await stored()), before, 'the first account unchanged');
    await patch({ retentionDays: null }, tokens.other);
  });

  void it("housekeeping deletes the account's history past its retention; another's keeps the node's", async () => {
    const monitorOf = async (token: string) => {
      const reply = await api.call('POST', '/api/v1/monitors', {
        token,
        payload: { name: 'shop', type: 'http', url: 'https://shop.example.com' },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      return reply.json<{ id: string }>().id;
    };
    const mine = await monitorOf(api.token);
    const theirs = await monitorOf(tokens.other);
    const now = clock.now();
    const at = (monitorId: string, daysAgo: number) => {
      const slot = now - daysAgo * DAY_MS;
      const where = { node: 'node-test', region: 'local' };
      return {
        monitorId,
        slot,
        checkedAt: slot + 3,
        status: 'up' as const,
        latencyMs: 5,
        ...where,
      };
    };
    api.record([mine, theirs].flatMap((id) => [at(id, 40), at(id, 20), at(id, 1)]));
    assert.equal((await patch({ retentionDays: 10 })).statusCode, 200);

    api.deps.store.housekeep({ now, retentionMs: NODE_DAYS * DAY_MS });
    const ages = async (monitorId: string, token: string) => {
      const reply = await api.call('GET', `/api/v1/monitors/${monitorId}/results`, { token });
      assert.equal(reply.statusCode, 200, reply.body);
      return reply
        .json<{ items: { slot: number }[] }>()
        .items.map((result) => Math.round((now - result.slot) / DAY_MS));
    };
    assert.deepEqual(await ages(mine, api.token), [1], 'past its 10 days: gone');
    assert.deepEqual(await ages(theirs, tokens.other), [1, 20, 40], "the node's 90 days");
  });
});

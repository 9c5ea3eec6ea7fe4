/**
 * Invitations by link and members: accept once, within 7 days; a logged-in user joins a
 * second account and switches between them; role changes and removals keep an owner.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import { INVITATION_TTL_MS } from './invitations.js';
import { badFields, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

interface Created {
  id: string;
  token: string;
  link: string;
  expiresAt: number;
}

void describe('invitations', () => {
  let api: TestApi;
  const clock = new FakeClock(Date.UTC(2026, 0, 1));

  before(async () => {
    api = await createTestApi({ clock, settings: { signup: 'open' } });
  });
  after(() => api.close());

  const invite = async (email: string, role: string, token = api.token) => {
    const reply = await api.call('POST', '/api/v1/invitations', {
      token,
      payload: { email, role },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json<Created>();
  };
  const accept = (payload: Json, token: string | null = null) =>
    api.call('POST', '/api/v1/invitations/accept', { token, payload });

  void it('makes a link with 256 random bits, stored only as its hash, for 7 days', async () => {
    const created = await invite('Viewer@Example.com', 'viewer');
    assert.match(created.token, /^tli_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.link, `/invitation#${created.token}`);
    assert.equal(created.expiresAt, clock.now() + INVITATION_TTL_MS);
    assert.equal(INVITATION_TTL_MS, 7 * 86_400_000);
    const stored = JSON.stringify(api.deps.store.listAll('invitation'));
    assert.ok(!stored.includes(created.token), 'the secret is not stored');
    const listed = (await api.call('GET', '/api/v1/invitations')).json<{ items: Json[] }>();
    assert.deepEqual(
      listed.items.map((item) => [item.id, item.email, item.role]),
      [[created.id, 'viewer@example.com', 'viewer']],
    );
    assert.ok(!JSON.stringify(listed).includes(created.token));
  });

  void it('accepted once: a new user of the account with the role, logged in', async () => {
    const created = await invite('member@example.com', 'member');
    const reply = await accept({ token: created.token, password: 'member-password' });
    assert.equal(reply.statusCode, 201, reply.body);
    const body = reply.json<{ token: string; role: string; accountId: string }>();
    assert.equal(body.role, 'member');
    assert.match(String(reply.headers['set-cookie']), /tireless_session=tl_/);
    const session = (await api.call('GET', '/api/v1/auth/session', { token: body.token })).json<{
      user: Json;
    }>();
    assert.equal(session.user.email, 'member@example.com');
    assert.equal(session.user.role, 'member');
    const owner = (await api.call('GET', '/api/v1/auth/session')).json<{ user: Json }>();
    assert.equal(session.user.accountId, owner.user.accountId);

    const again = await accept({ token: created.token, password: 'member-password' });
    assert.equal(again.statusCode, 404, 'used');
    assert.equal(errorOf(again).code, 'TIRELESS_NOT_FOUND');
    const login = await api.call('POST', '/api/v1/auth/login', {
      token: null,
      payload: { email: 'member@example.com', password: 'member-password' },
    });
    assert.equal(login.statusCode, 200);
    const members = (await api.call('GET', '/api/v1/members')).json<{ items: Json[] }>();
    assert.deepEqual(members.items.map((member) => [member.email, member.role]).sort(), [
      ['member@example.com', 'member'],
      ['owner@example.com', 'owner'],
    ]);
  });

  void it('adds an account to a logged-in user, who switches between its accounts', async () => {
    const other = await signUp(api.app, 'other@example.com');
    const created = await invite('other@example.com', 'viewer');
    const someoneElse = await signUp(api.app, 'someone@example.com');
    const wrongUser = await accept({ token: created.token }, someoneElse);
    assert.equal(wrongUser.statusCode, 403, 'the invitation names another email');
    const home = (await api.call('GET', '/api/v1/auth/session', { token: other })).json<{
      user: { accountId: string };
    }>();

    const joined = await accept({ token: created.token }, other);
    assert.equal(joined.statusCode, 201, joined.body);
    const { accountId } = joined.json<{ accountId: string }>();
    const session = (await api.call('GET', '/api/v1/auth/session', { token: other })).json<{
      user: { accountId: string; role: string; accounts: Json[] };
    }>();
    assert.equal(session.user.accountId, accountId, 'the session acts in the new account');
    assert.equal(session.user.role, 'viewer');
    assert.deepEqual(
      session.user.accounts.map((account) => [account.id, account.role]),
      [
        [home.user.accountId, 'owner'],
        [accountId, 'viewer'],
      ],
    );
    const refused = await api.call('POST', '/api/v1/monitors', {
      token: other,
      payload: { name: 'x', type: 'http', url: 'https://a.example' },
    });
    assert.equal(refused.statusCode, 403, 'a viewer there');

    const back = await api.call('POST', '/api/v1/auth/account', {
      token: other,
      payload: { accountId: home.user.accountId },
    });
    assert.deepEqual(back.json(), { accountId: home.user.accountId, role: 'owner' });
    const mine = await api.call('POST', '/api/v1/monitors', {
      token: other,
      payload: { name: 'x', type: 'http', url: 'https://a.example' },
    });
    assert.equal(mine.statusCode, 201, 'an owner at home');
    const notMine = await api.call('POST', '/api/v1/auth/account', {
      token: someoneElse,
      payload: { accountId },
    });
    assert.equal(notMine.statusCode, 404);

    // Removed from the account it switched to, the session goes on at home.
    await api.call('POST', '/api/v1/auth/account', { token: other, payload: { accountId } });
    const otherUser = await memberId('other@example.com');
    assert.equal((await api.call('DELETE', `/api/v1/members/${otherUser}`)).statusCode, 204);
    const after = (await api.call('GET', '/api/v1/auth/session', { token: other })).json<{
      user: { accountId: string };
    }>();
    assert.equal(after.user.accountId, home.user.accountId);
  });

  const memberId = async (email: string) => {
    const members = (await api.call('GET', '/api/v1/members')).json<{ items: Json[] }>();
    const member = members.items.find((item) => item.email === email);
    assert.ok(member, `${email} is a member`);
    return String(member.id);
  };

  void it('keeps an owner: the last one is neither demoted nor removed', async () => {
    const owner = await memberId('owner@example.com');
    const demote = await api.call('PATCH', `/api/v1/members/${owner}`, {
      payload: { role: 'admin' },
    });
    assert.equal(demote.statusCode, 409);
    assert.equal((await api.call('DELETE', `/api/v1/members/${owner}`)).statusCode, 409);
    const member = await memberId('member@example.com');
    const promoted = await api.call('PATCH', `/api/v1/members/${member}`, {
      payload: { role: 'owner' },
    });
    assert.equal(promoted.json<Json>().role, 'owner');
    assert.equal(
      (await api.call('PATCH', `/api/v1/members/${owner}`, { payload: { role: 'admin' } }))
        .statusCode,
      200,
      'not the last owner any more',
    );
    const bad = await api.call('PATCH', `/api/v1/members/${member}`, {
      payload: { role: 'king' },
    });
    assert.deepEqual(badFields(bad), ['role']);
  });

  void it('lets an admin manage viewers and members, not admins or owners', async () => {
    const created = await invite('admin@example.com', 'admin', await ownerToken());
    const admin = (await accept({ token: created.token, password: 'admin-password' })).json<{
      token: string;
    }>().token;
    for (const role of ['admin', 'owner']) {
      const reply = await api.call('POST', '/api/v1/invitations', {
        token: admin,
        payload: { email: `x-${role}@example.com`, role },
      });
      assert.equal(reply.statusCode, 403, role);
    }
    await invite('v2@example.com', 'member', admin);
    const promoted = await memberId('member@example.com');
    const demote = await api.call('PATCH', `/api/v1/members/${promoted}`, {
      token: admin,
      payload: { role: 'viewer' },
    });
    assert.equal(demote.statusCode, 403, 'an owner is out of an admin’s reach');
    const tooMuch = await api.call('POST', '/api/v1/tokens', {
      token: admin,
      payload: { name: 'ci', role: 'owner' },
    });
    assert.equal(tooMuch.statusCode, 403, 'no token above its creator');
    const capped = await api.call('POST', '/api/v1/tokens', {
      token: admin,
      payload: { name: 'ci', role: 'viewer' },
    });
    const cappedToken = capped.json<{ token: string; role: string }>();
    assert.equal(cappedToken.role, 'viewer');
    const viaToken = await api.call('POST', '/api/v1/channels', {
      token: cappedToken.token,
      payload: { type: 'webhook', name: 'x', config: { url: 'https://hooks.example.com' } },
    });
    assert.equal(viaToken.statusCode, 403, 'the token has the viewer role');
  });

  /** The current owner's token (the setup owner was demoted above): a fresh login. */
  const ownerToken = async () => {
    const reply = await api.call('POST', '/api/v1/auth/login', {
      token: null,
      payload: { email: 'member@example.com', password: 'member-password' },
    });
    return reply.json<{ token: string }>().token;
  };
  // Last: it moves the clock past every session's idle limit.
  void it('refuses an expired, a revoked or an unknown link, and a new user without a password', async () => {
    const expiring = await invite('late@example.com', 'viewer');
    const revoked = await invite('revoked@example.com', 'viewer');
    const fresh = await invite('fresh@example.com', 'viewer');
    const noPassword = await accept({ token: fresh.token });
    assert.equal(noPassword.statusCode, 400);
    assert.deepEqual(badFields(noPassword), ['password']);
    assert.equal((await api.call('DELETE', `/api/v1/invitations/${revoked.id}`)).statusCode, 204);
    clock.advance(INVITATION_TTL_MS);
    for (const token of [expiring.token, revoked.token, 'tli_unknown']) {
      const reply = await accept({ token, password: 'long-enough-password' });
      assert.equal(reply.statusCode, 404, token);
    }
    assert.equal(api.deps.store.findUserByEmail('late@example.com'), undefined);
    const listed = await api.call('GET', '/api/v1/invitations', { token: await ownerToken() });
    assert.deepEqual(listed.json(), { items: [] }, 'expired ones are not listed');
  });
});

/**
 * Invitations by email, through a real SMTP server on loopback: the mail carries a link that
 * works; a mail server that is down or silent costs the invitation nothing and the reply
 * says why no mail went, within the mail's time limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSmtpReceiver } from '../testing/index.js';
import type { NodeMail } from './deps.js';
import { MAIL_NOT_SENT } from './invitations.js';
import { createTestApi, signUp } from './testing.js';

const PUBLIC_URL = 'https://status.example.com';
const LOGIN = { username: 'tireless', password: 'smtp-secret-1' };

interface Created {
  id: string;
  token: string;
  link: string;
  emailed?: boolean;
  emailError?: string;
}

function mailVia(port: number, timeoutMs?: number): NodeMail {
  return {
    server: {
      host: '127.0.0.1',
      port,
      secure: false,
      ...LOGIN,
      from: 'tireless@example.com',
      ignoreTlsErrors: false,
    },
    publicUrl: PUBLIC_URL,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

async function invite(api: Awaited<ReturnType<typeof createTestApi>>, email: string) {
  const reply = await api.call('POST', '/api/v1/invitations', {
    payload: { email, role: 'member' },
  });
  assert.equal(reply.statusCode, 201, reply.body);
  return reply.json<Created>();
}

void describe('invitations by email', () => {
  void it('mails the invitee a link that works', async (t) => {
    const smtp = await startSmtpReceiver({ credentials: LOGIN });
    const api = await createTestApi({ mail: mailVia(smtp.port) });
    t.after(async () => {
      await api.close();
      await smtp.close();
    });
    await api.call('PATCH', '/api/v1/account', { payload: { name: 'Acme ops' } });

    const created = await invite(api, 'New.Member@example.com');
    assert.equal(created.emailed, true, created.emailError);
    assert.equal(created.emailError, undefined);
    const [mail] = await smtp.waitFor(1);
    assert.ok(mail);
    assert.deepEqual(mail.to, ['new.member@example.com']);
    assert.equal(mail.from, 'tireless@example.com');
    assert.equal(mail.subject, 'Invitation to Acme ops on Tireless');
    assert.match(mail.text, /owner@example\.com invites you to Acme ops on Tireless, as member\./);
    const link = /Accept the invitation: (\S+)/.exec(mail.text)?.[1] ?? '';
    assert.equal(link, `${PUBLIC_URL}/invitation#${created.token}`, 'the whole link, absolute');

    const accepted = await api.call('POST', '/api/v1/invitations/accept', {
      token: null,
      payload: { token: new URL(link).hash.slice(1), password: 'member password long' },
    });
    assert.equal(accepted.statusCode, 201, accepted.body);
    const members = (await api.call('GET', '/api/v1/members')).json<{
      items: { email: string }[];
    }>();
    assert.ok(members.items.some((member) => member.email === 'new.member@example.com'));
  });

  void it('keeps the invitation when the mail server is down, and says why no mail went', async (t) => {
    const smtp = await startSmtpReceiver({ credentials: LOGIN });
    await smtp.close(); // Nothing listens on its port any more.
    const api = await createTestApi({ mail: mailVia(smtp.port) });
    t.after(() => api.close());

    const created = await invite(api, 'down@example.com');
    assert.equal(created.emailed, false);
    assert.match(created.emailError ?? '', /^email: .*ECONNREFUSED/);
    assert.ok(!(created.emailError ?? '').includes(LOGIN.password));
    assert.match(created.link, /^\/invitation#tli_/, 'the link as ever, to hand over instead');
    const listed = (await api.call('GET', '/api/v1/invitations')).json<{ items: Created[] }>();
    assert.deepEqual(
      listed.items.map((item) => item.id),
      [created.id],
    );
  });

  void it("tells another account than the operator's no word of the mail server", async (t) => {
    const smtp = await startSmtpReceiver({ credentials: LOGIN });
    await smtp.close();
    const api = await createTestApi({ mail: mailVia(smtp.port), settings: { signup: 'open' } });
    t.after(() => api.close());
    const customer = await signUp(api.app, 'customer@example.com', 'customer password long');

    const reply = await api.call('POST', '/api/v1/invitations', {
      token: customer,
      payload: { email: 'colleague@example.com', role: 'member' },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    const created = reply.json<Created>();
    assert.equal(created.emailed, false);
    assert.equal(created.emailError, MAIL_NOT_SENT);
    assert.ok(!reply.body.includes(String(smtp.port)), 'the port of the mail server');
    assert.ok(!reply.body.includes('127.0.0.1'), 'the host of the mail server');
  });

  void it('answers within the time limit when the mail server never answers', async (t) => {
    const smtp = await startSmtpReceiver({ credentials: LOGIN });
    smtp.setReply('no-reply');
    const api = await createTestApi({ mail: mailVia(smtp.port, 500) });
    t.after(async () => {
      await api.close();
      await smtp.close();
    });

    const started = performance.now();
    const created = await invite(api, 'silent@example.com');
    const tookMs = performance.now() - started;
    assert.equal(created.emailed, false);
    assert.match(created.emailError ?? '', /^email: timeout/);
    assert.ok(tookMs < 3000, `answered after ${Math.round(tookMs)} ms`);
    assert.equal(
      (await api.call('GET', '/api/v1/invitations')).json<{ items: [] }>().items.length,
      1,
    );
  });

  void it('without mail, replies as before: no emailed field', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const created = await invite(api, 'link-only@example.com');
    assert.equal('emailed' in created, false);
    assert.equal('emailError' in created, false);
  });
});

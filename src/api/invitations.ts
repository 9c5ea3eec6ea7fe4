/**
 * Invitations by link: an admin invites an email with a role; the link's secret (256 random
 * bits) exists only in the reply and the link, the store keeps its SHA-256. Accepting it
 * once, within INVITATION_TTL_MS, makes a new user at home in the account, or adds the
 * account to the logged-in user the invitation names. When the node has mail, the link is
 * mailed to the invitee as well.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConfigDoc } from '../cluster/index.js';
import { describeError, notFound, TirelessError } from '../errors/index.js';
import type { Account, Invitation, Role, User } from '../model/index.js';
import { sendMail } from '../notify/index.js';
import { parseOrThrow } from '../validation/index.js';
import { email, emailClaim, newPassword, passwordLimiter } from './auth.js';
import { hasherOf } from './login.js';
import {
  authenticate,
  callerOf,
  csrfTokenOf,
  issueToken,
  setSessionCookie,
  type Caller,
} from './credentials.js';
import type { ApiDeps } from './deps.js';
import { addMembership, membersOf, roleField, switchSession } from './members.js';
import { jsonSchema, routeSchema } from './openapi.js';
import { idParam, newId } from './request.js';
import { operatorOf } from './quotas.js';
import { mayManage } from './roles.js';

/** Why no mail went, as told to an account that is not the operator's. */
export const MAIL_NOT_SENT =
  "email: the node's mail server did not take it (the node's log says why)";

/** How long an invitation link works, ms: 7 days. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;
const SECRET_PREFIX = 'tli_';
/** How long an invitation's mail may take before the reply says it was not sent, ms. */
const MAIL_TIMEOUT_MS = 10_000;

const newInvitation = z.object({ email, role: roleField }).strict();
const acceptance = z
  .object({
    token: z.string({ message: 'is required' }).min(1, 'is required').max(200),
    password: newPassword
      .optional()
      .describe('the new user’s password; absent when a logged-in user accepts'),
  })
  .strict();

function invitationIdOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function present({ id, email, role, expiresAt, createdAt, invitedBy }: Invitation) {
  return { id, email, role, expiresAt, createdAt, invitedBy };
}

/** The path of the app's page that accepts an invitation; the secret rides in the fragment. */
function linkOf(secret: string): string {
  return `/invitation#${secret}`;
}

export function registerInvitationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tag = 'members';

  app.get(
    '/api/v1/invitations',
    {
      schema: routeSchema({
        role: 'admin',
        tag,
        summary: "The account's pending invitations (never their links)",
        responses: { 200: '{ items: [{ id, email, role, expiresAt, createdAt, invitedBy }…] }' },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      const now = deps.clock.now();
      const items = deps.store
        .listScoped<Invitation>('invitation', accountId)
        .filter((invitation) => invitation.expiresAt > now);
      return { items: items.map(present) };
    },
  );

  app.post(
    '/api/v1/invitations',
    {
      schema: routeSchema({
        role: 'admin',
        tag,
        summary: `Invite an email to the account with a role; the reply's link works once, for ${INVITATION_TTL_MS / 86_400_000} days, and is shown only here (and mailed to the invitee when the node has mail)`,
        body: jsonSchema(newInvitation),
        responses: {
          201: '{ id, email, role, expiresAt, createdAt, invitedBy, token, link }, with mail also { emailed, emailError? }',
        },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const input = parseOrThrow(newInvitation, request.body);
      checkMayInvite(caller, input.role);
      if (membersOf(deps, caller.accountId).some(({ user }) => user.email === input.email)) {
        throw new TirelessError('TIRELESS_CONFLICT', 'this email is a member of the account');
      }
      const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
      const now = deps.clock.now();
      const saved = await deps.config.put<Invitation & ConfigDoc>(
        'invitation',
        {
          id: invitationIdOf(secret),
          accountId: caller.accountId,
          email: input.email,
          role: input.role,
          invitedBy: caller.userId,
          expiresAt: now + INVITATION_TTL_MS,
          createdAt: now,
          updatedAt: now,
        },
        0,
      );
      reply.code(201);
      const created = { ...present(saved), token: secret, link: linkOf(secret) };
      if (!deps.mail) return created;
      // The invitation is stored already: a mail that fails or hangs loses nothing but itself.
      try {
        await sendMail(deps.mail.server, invitationMail(deps, saved, linkOf(secret)), {
          timeoutMs: deps.mail.timeoutMs ?? MAIL_TIMEOUT_MS,
          signal: new AbortController().signal,
          now: deps.clock.now(),
        });
        return { ...created, emailed: true };
      } catch (error) {
        const emailError = error instanceof TirelessError ? error.message : describeError(error);
        deps.log.warn({ invitation: saved.id, error: emailError }, 'invitation mail not sent');
        // The mail client's words name the operator's mail server (host, port): for the
        // operator's own account only, not for the customers of a shared service.
        const operator = operatorOf(deps.store.listAll<Account>('account')) === caller.accountId;
        return { ...created, emailed: false, emailError: operator ? emailError : MAIL_NOT_SENT };
      }
    },
  );

  app.delete(
    '/api/v1/invitations/:id',
    {
      schema: routeSchema({
        role: 'admin',
        tag,
        summary: 'Revoke an invitation: its link stops working',
        params: ['id'],
        responses: { 204: 'Revoked' },
      }),
    },
    async (request, reply) => {
      const { accountId } = callerOf(request);
      const id = idParam(request);
      if (!deps.store.getScoped<Invitation>('invitation', accountId, id)) {
        throw notFound(`invitation ${id}`);
      }
      await deps.config.remove('invitation', accountId, id);
      return reply.code(204).send();
    },
  );
}

/**
 * `POST /api/v1/invitations/accept`, public and rate-limited like login: without a session,
 * makes the invited user (with `password`) and logs it in (a bearer token, and the session
 * cookie with its CSRF token); with the invited user's session, adds the account to it and
 * switches the session to it.
 */
/** The mail that brings `invitation`'s link (the path `path`) to the invitee. */
function invitationMail(deps: ApiDeps, invitation: Invitation, path: string) {
  const account = deps.store.getScoped<Account>(
    'account',
    invitation.accountId,
    invitation.accountId,
  );
  const inviter = deps.store.getConfig<User>('user', invitation.invitedBy);
  // One line: a name cannot add headers or lines of its own to the subject.
  const name = (account?.name ?? 'an account').replace(/\s+/g, ' ');
  const link = `${deps.mail?.publicUrl ?? ''}${path}`;
  const expires = new Date(invitation.expiresAt).toUTCString();
  return {
    to: [invitation.email],
    subject: `Invitation to ${name} on Tireless`,
    text: [
      `${inviter?.email ?? 'Someone'} invites you to ${name} on Tireless, as ${invitation.role}.`,
      '',
      `Accept the invitation: ${link}`,
      '',
      `The link works once, until ${expires}. If you did not expect this mail, ignore it.`,
    ].join('\n'),
  };
}

export function registerAcceptRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.post(
    '/api/v1/invitations/accept',
    {
      onRequest: passwordLimiter(app, deps),
      schema: routeSchema({
        tag: 'members',
        public: true,
        summary:
          "Accept an invitation: a new user with `password`, or (with the invited user's session) a membership",
        body: jsonSchema(acceptance),
        responses: { 201: '{ accountId, role, token?, csrfToken? }' },
      }),
    },
    async (request, reply) => {
      const input = parseOrThrow(acceptance, request.body);
      const caller = await authenticate(deps, request);
      const invitation = await pendingInvitation(deps, input.token);
      reply.code(201);
      if (caller) return joinAsCaller(deps, invitation, caller);
      if (input.password === undefined) {
        throw new TirelessError('TIRELESS_VALIDATION', 'a new user needs a password', {
          fields: [{ field: 'password', problem: 'is required' }],
        });
      }
      if (deps.store.findUserByEmail<User>(invitation.email)) {
        throw new TirelessError(
          'TIRELESS_CONFLICT',
          'a user with this email exists: log in, then open the link again',
        );
      }
      const passwordHash = await hasherOf(deps).hash(input.password);
      await use(deps, invitation);
      const now = deps.clock.now();
      const user = await deps.config.put<User & ConfigDoc>(
        'user',
        {
          id: newId('usr_'),
          accountId: invitation.accountId,
          email: invitation.email,
          passwordHash,
          role: invitation.role,
          createdAt: now,
          updatedAt: now,
        },
        0,
        [emailClaim(invitation.email)],
      );
      return logIn(deps, request, reply, user, invitation);
    },
  );
}

/** The invitation `secret` opens, unused and unexpired; else a 404 that tells which. */
async function pendingInvitation(deps: ApiDeps, secret: string): Promise<Invitation> {
  const id = invitationIdOf(secret);
  if (!deps.store.getConfig<Invitation>('invitation', id)) await deps.config.caughtUp();
  const invitation = deps.store.getConfig<Invitation>('invitation', id);
  if (!invitation || invitation.expiresAt <= deps.clock.now()) {
    throw notFound('invitation (used, revoked or expired: ask for a new one)');
  }
  return invitation;
}

/** Uses up the invitation: of two acceptances at once, on any nodes, one gets a 409. */
async function use(deps: ApiDeps, invitation: Invitation): Promise<void> {
  await deps.config.remove('invitation', invitation.accountId, invitation.id, invitation.revision);
}

async function joinAsCaller(deps: ApiDeps, invitation: Invitation, caller: Caller) {
  const user = deps.store.getConfig<User>('user', caller.userId);
  if (!user || user.email !== invitation.email) {
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      'this invitation is for another email: log out, or log in as the invited user',
    );
  }
  if (membersOf(deps, invitation.accountId).some((member) => member.user.id === user.id)) {
    throw new TirelessError('TIRELESS_CONFLICT', 'you are a member of this account already');
  }
  await use(deps, invitation);
  await addMembership(deps, invitation.accountId, user.id, invitation.role);
  await switchSession(deps, caller, invitation.accountId);
  return { accountId: invitation.accountId, role: invitation.role };
}

async function logIn(
  deps: ApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  user: User,
  invitation: Invitation,
): Promise<{ accountId: string; role: Role; token: string; csrfToken: string }> {
  const { secret } = await issueToken(deps, user, 'session', 'invitation', { request });
  setSessionCookie(request, reply, secret, deps.settings.sessionTtlMs);
  return {
    accountId: invitation.accountId,
    role: invitation.role,
    token: secret,
    csrfToken: csrfTokenOf(secret),
  };
}

function checkMayInvite(caller: Caller, role: Role): void {
  if (!mayManage(caller.role, role)) {
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      `an ${caller.role} cannot invite an ${role}: only an owner invites admins and owners`,
    );
  }
}

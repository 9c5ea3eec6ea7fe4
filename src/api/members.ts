/**
 * The account and its members: `/api/v1/account` (its name) and `/api/v1/members` (who
 * belongs to it, with which role; changing a role; removing a member). A member is either a
 * user whose home account this is (the role is on the user) or a user of another account with
 * a membership here.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ConfigDoc } from '../cluster/index.js';
import { notFound, TirelessError } from '../errors/index.js';
import {
  ROLES,
  type Account,
  type Membership,
  type Role,
  type Token,
  type User,
} from '../model/index.js';
import { parseOrThrow } from '../validation/index.js';
import { callerOf, type Caller } from './credentials.js';
import { findScoped } from './config-resource.js';
import type { ApiDeps } from './deps.js';
import { jsonSchema, routeSchema } from './openapi.js';
import { idParam } from './request.js';
import { accountsOf, mayManage, membershipIdOf, roleIn } from './roles.js';

/** A role as a request names it. */
export const roleField = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });

/** An account's name: as an owner renames the account, and as sign-up names a new one. */
export const accountName = z
  .string({ message: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be 200 characters or fewer');

/**
 * A change of the account: its name (owners), its own retention (admins and owners), at most
 * `nodeDays`, the node's; null gives the node's rules back.
 */
function accountPatchOf(nodeDays: number) {
  return z
    .object({
      name: accountName.optional().describe('owners only'),
      retentionDays: z
        .int({ message: 'must be a whole number of days, or null' })
        .min(1, 'must be at least 1 day')
        .max(nodeDays, `must be at most ${nodeDays}, the node's retention`)
        .nullable()
        .optional()
        .describe(
          `days the account keeps its results, rollups, closed incidents and finished deliveries, at most the node's ${nodeDays}; null: the node's rules`,
        ),
    })
    .strict();
}
const rolePatch = z.object({ role: roleField }).strict();
const accountChoice = z
  .object({ accountId: z.string({ message: 'is required' }).min(1, 'is required').max(100) })
  .strict();

/** One member of an account as the store holds it: the user, and where its role is kept. */
export interface Member {
  user: User;
  role: Role;
  /** The membership document; undefined when this is the user's home account. */
  membership?: Membership;
}

/** Every member of `accountId`: the users at home in it, then those with a membership. */
export function membersOf(deps: ApiDeps, accountId: string): Member[] {
  const home = deps.store
    .listScoped<User>('user', accountId)
    .map((user): Member => ({ user, role: user.role }));
  const guests = deps.store
    .listScoped<Membership>('membership', accountId)
    .flatMap((membership): Member[] => {
      const user = deps.store.getConfig<User>('user', membership.userId);
      return user ? [{ user, role: membership.role, membership }] : [];
    });
  return [...home, ...guests];
}

function present({ user, role, membership }: Member) {
  return {
    id: user.id,
    email: user.email,
    role,
    home: membership === undefined,
    since: membership?.createdAt ?? user.createdAt,
  };
}

export function registerMemberRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const nodeRetentionDays = deps.settings.retentionDays;
  const accountPatch = accountPatchOf(nodeRetentionDays);
  const presentAccount = (account: Account, caller: Caller) => ({
    id: account.id,
    name: account.name,
    role: caller.role,
    retentionDays: account.retentionDays ?? null,
    nodeRetentionDays,
  });
  const accountReply = '{ id, name, role, retentionDays, nodeRetentionDays }';

  app.get(
    '/api/v1/account',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'account',
        summary:
          "The caller's account: its id and name, the caller's role in it, its own retention (null: the node's rules) and the node's",
        responses: { 200: accountReply },
      }),
    },
    (request) => {
      const caller = callerOf(request);
      return presentAccount(
        findScoped(deps, 'account', caller.accountId, caller.accountId),
        caller,
      );
    },
  );

  app.patch(
    '/api/v1/account',
    {
      schema: routeSchema({
        role: 'admin',
        tag: 'account',
        summary:
          "Change the caller's account: its name (owners only) or its retention (null: the node's rules)",
        body: jsonSchema(accountPatch),
        responses: { 200: accountReply },
      }),
    },
    async (request) => {
      const caller = callerOf(request);
      const { name, retentionDays } = parseOrThrow(accountPatch, request.body);
      if (name !== undefined && caller.role !== 'owner') {
        throw new TirelessError('TIRELESS_FORBIDDEN', 'only an owner renames the account', {
          fields: [{ field: 'name', problem: 'may be changed by an owner only' }],
        });
      }
      const account = findScoped<Account & ConfigDoc>(
        deps,
        'account',
        caller.accountId,
        caller.accountId,
      );
      const changed: Account & ConfigDoc = { ...account, updatedAt: deps.clock.now() };
      if (name !== undefined) changed.name = name;
      if (retentionDays === null) delete changed.retentionDays;
      else if (retentionDays !== undefined) changed.retentionDays = retentionDays;
      const saved = await deps.config.put<Account & ConfigDoc>(
        'account',
        changed,
        account.revision,
      );
      return presentAccount(saved, caller);
    },
  );

  app.post(
    '/api/v1/auth/account',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'auth',
        summary:
          "Switch the caller's session to another of the user's accounts: its requests act there from now on",
        body: jsonSchema(accountChoice),
        responses: { 200: '{ accountId, role }' },
      }),
    },
    async (request) => {
      const caller = callerOf(request);
      const { accountId } = parseOrThrow(accountChoice, request.body);
      const user = deps.store.getConfig<User>('user', caller.userId);
      const role = user && roleIn(deps.store, user, accountId);
      if (role === undefined) throw notFound(`account ${accountId}`);
      await switchSession(deps, caller, accountId);
      return { accountId, role };
    },
  );

  app.get(
    '/api/v1/members',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'members',
        summary: 'List the members of the account with their roles',
        responses: { 200: '{ items: [{ id, email, role, home, since }…] }' },
      }),
    },
    (request) => ({ items: membersOf(deps, callerOf(request).accountId).map(present) }),
  );

  app.patch(
    '/api/v1/members/:id',
    {
      schema: routeSchema({
        role: 'admin',
        tag: 'members',
        summary:
          "Change a member's role (admins: viewers and members; owners: anyone; never the last owner)",
        params: ['id'],
        body: jsonSchema(rolePatch),
        responses: { 200: '{ id, email, role, home, since }' },
      }),
    },
    async (request) => {
      const caller = callerOf(request);
      const { role } = parseOrThrow(rolePatch, request.body);
      const members = membersOf(deps, caller.accountId);
      const member = memberIn(members, idParam(request));
      checkManage(caller, member.role, role);
      if (member.role === 'owner' && role !== 'owner') checkNotLastOwner(members);
      const now = deps.clock.now();
      if (member.membership) {
        const saved = await deps.config.put<Membership & ConfigDoc>(
          'membership',
          { ...member.membership, role, updatedAt: now },
          member.membership.revision,
        );
        return present({ ...member, role, membership: saved });
      }
      const saved = await deps.config.put<User & ConfigDoc>(
        'user',
        { ...member.user, role, updatedAt: now },
        member.user.revision,
      );
      return present({ user: saved, role });
    },
  );

  app.delete(
    '/api/v1/members/:id',
    {
      schema: routeSchema({
        role: 'admin',
        tag: 'members',
        summary:
          'Remove a member from the account (a user whose home it is: the user itself, with its sessions and tokens)',
        params: ['id'],
        responses: { 204: 'Removed' },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const members = membersOf(deps, caller.accountId);
      const member = memberIn(members, idParam(request));
      checkManage(caller, member.role, member.role);
      if (member.role === 'owner') checkNotLastOwner(members);
      await removeMember(deps, caller.accountId, member);
      return reply.code(204).send();
    },
  );
}

/** The accounts `user` may act in, with their names and its role in each, home first. */
export function accountChoices(
  deps: ApiDeps,
  user: User,
): { id: string; name: string; role: Role }[] {
  return accountsOf(deps.store, user).map(({ accountId, role }) => ({
    id: accountId,
    name: deps.store.getScoped<Account>('account', accountId, accountId)?.name ?? accountId,
    role,
  }));
}

function memberIn(members: readonly Member[], userId: string): Member {
  const member = members.find((candidate) => candidate.user.id === userId);
  if (!member) throw notFound(`member ${userId}`);
  return member;
}

/** Refuses (403) a caller who may not change a member from role `from` to `to`. */
function checkManage(caller: Caller, from: Role, to: Role): void {
  if (!mayManage(caller.role, from) || !mayManage(caller.role, to)) {
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      'only an owner manages admins and owners; an admin manages viewers and members',
    );
  }
}

function checkNotLastOwner(members: readonly Member[]): void {
  if (members.filter((member) => member.role === 'owner').length <= 1) {
    throw new TirelessError(
      'TIRELESS_CONFLICT',
      'the account needs an owner: make another member owner first',
    );
  }
}

/**
 * Takes `member` out of `accountId`: its membership and its API tokens there, or, in its
 * home account, the user with every token and membership it has.
 */
export async function removeMember(
  deps: ApiDeps,
  accountId: string,
  member: Member,
): Promise<void> {
  const { user } = member;
  const tokens = deps.store
    .listScoped<Token>('token', accountId)
    .filter(
      (token) =>
        token.userId === user.id && (member.membership === undefined || token.kind === 'api'),
    );
  if (member.membership) {
    await deps.config.remove('membership', accountId, member.membership.id);
  } else {
    await deps.config.remove('user', accountId, user.id);
    const elsewhere = deps.store
      .listAll<Membership>('membership')
      .filter((membership) => membership.userId === user.id);
    for (const membership of elsewhere) {
      await deps.config.remove('membership', membership.accountId, membership.id).catch(gone);
    }
  }
  // The user or membership is gone already, so these are refused either way: this tidies up.
  for (const token of tokens) await deps.config.remove('token', accountId, token.id).catch(gone);
}

/** Removed meanwhile (another node, an expiry): that is what was asked. */
export function gone(error: unknown): void {
  if (!(error instanceof TirelessError && error.code === 'TIRELESS_NOT_FOUND')) throw error;
}

/** Writes a membership of `userId` in `accountId` with `role`; a 409 if it is one already. */
export async function addMembership(
  deps: ApiDeps,
  accountId: string,
  userId: string,
  role: Role,
): Promise<Membership> {
  const now = deps.clock.now();
  return deps.config.put<Membership & ConfigDoc>(
    'membership',
    {
      id: membershipIdOf(accountId, userId),
      accountId,
      userId,
      role,
      createdAt: now,
      updatedAt: now,
    },
    0,
  );
}

/** Makes `caller`'s session act in `accountId` (API tokens act where they were made). */
export async function switchSession(
  deps: ApiDeps,
  caller: Caller,
  accountId: string,
): Promise<void> {
  const token = deps.store.getConfig<Token>('token', caller.tokenId);
  if (token?.kind !== 'session') {
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      'an API token acts in the account it was made in; only a session switches',
    );
  }
  await deps.config.put<Token & ConfigDoc>(
    'token',
    { ...token, actingAccountId: accountId, updatedAt: deps.clock.now() },
    token.revision,
  );
}

/**
 * `DELETE /api/v1/account`: an owner deletes the account they act in, with everything in it.
 * Each entity goes through the config writer as any delete does, so a cluster replicates the
 * tombstones, and each replica drops what hangs off them (a monitor's results, rollups and
 * state with the monitor; the account's incidents and deliveries with the account).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TirelessError, validationError } from '../errors/index.js';
import type { Account, Token, User } from '../model/index.js';
import type { ConfigKind } from '../store/index.js';
import { parseOrThrow } from '../validation/index.js';
import { passwordLimiter } from './auth.js';
import { callerOf, unauthorized } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { hasherOf } from './login.js';
import { gone, membersOf, removeMember } from './members.js';
import { jsonSchema, routeSchema } from './openapi.js';
import { operatorOf } from './quotas.js';
import { CODE_PROBLEM, secondFactorCode, totpEnabled, useSecondFactor } from './second-factor.js';

const deletion = z
  .object({
    password: z.string({ message: 'is required' }).min(1, 'is required').max(200),
    code: secondFactorCode.optional(),
  })
  .strict();

/**
 * The account's own entities, in the order they go: monitors first, so that the scheduler
 * stops checking them before anything else is done.
 */
const CONTENT: readonly ConfigKind[] = [
  'monitor',
  'channel',
  'maintenance',
  'status-page',
  'invitation',
];

export function registerAccountDeletion(app: FastifyInstance, deps: ApiDeps): void {
  app.delete(
    '/api/v1/account',
    {
      onRequest: passwordLimiter(app, deps),
      schema: routeSchema({
        role: 'owner',
        tag: 'account',
        summary:
          "Delete the caller's account and everything in it (needs the password, and a code when two-factor login is on); the operator's account cannot be",
        body: jsonSchema(deletion),
        responses: { 204: 'Deleted' },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const input = parseOrThrow(deletion, request.body);
      const { accountId } = caller;
      if (operatorOf(deps.store.listAll<Account>('account')) === accountId) {
        throw new TirelessError(
          'TIRELESS_CONFLICT',
          "this is the operator's account (the one setup made): it cannot be deleted",
        );
      }
      const user = deps.store.getConfig<User>('user', caller.userId);
      if (!user) throw unauthorized();
      if (!(await hasherOf(deps).check(input.password, user.passwordHash)).matches) {
        throw validationError([{ field: 'password', problem: 'is not the current password' }]);
      }
      if (totpEnabled(user)) {
        if (input.code === undefined) {
          throw validationError([
            { field: 'code', problem: 'is required: two-factor login is on' },
          ]);
        }
        if (!(await useSecondFactor(deps, user, input.code))) {
          throw validationError([{ field: 'code', problem: CODE_PROBLEM }]);
        }
      }
      await deleteAccount(deps, accountId);
      return reply.code(204).send();
    },
  );
}

/**
 * Removes everything of `accountId`, the account last: a delete cut short (a node stopped)
 * leaves the account with its owner, who can delete it again. Users at home in it go (their
 * memberships elsewhere too: a user has no life without its home account); users of other
 * accounts lose their membership, and their sessions acting in it end.
 */
async function deleteAccount(deps: ApiDeps, accountId: string): Promise<void> {
  const remove = (kind: ConfigKind, id: string, scope = accountId) =>
    deps.config.remove(kind, scope, id).catch(gone);
  for (const kind of CONTENT) {
    for (const { id } of deps.store.listScoped<{ id: string }>(kind, accountId)) {
      await remove(kind, id);
    }
  }
  const visiting = deps.store
    .listAll<Token>('token')
    .filter((token) => token.actingAccountId === accountId && token.accountId !== accountId);
  for (const token of visiting) await remove('token', token.id, token.accountId);
  const members = membersOf(deps, accountId);
  // Guests first, then the users at home: whoever is deleting goes last.
  for (const member of members.filter((candidate) => candidate.membership)) {
    await removeMember(deps, accountId, member);
  }
  for (const member of members.filter((candidate) => !candidate.membership)) {
    await removeMember(deps, accountId, member);
  }
  // What no member held: tokens and memberships of users already gone.
  for (const kind of ['token', 'membership'] as const) {
    for (const { id } of deps.store.listScoped<{ id: string }>(kind, accountId)) {
      await remove(kind, id);
    }
  }
  await remove('account', accountId);
}

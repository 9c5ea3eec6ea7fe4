/**
 * Who may do what in an account. A user's role in its home account is on the user document;
 * in any other account, on a membership document. Every route under /api/v1 that needs a
 * caller declares the least role it needs (`role` in its routeSchema, `x-tireless-role` in
 * the OpenAPI document); one hook checks it before the handler runs, and a route that
 * declares none is refused when the API is built.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { TirelessError } from '../errors/index.js';
import { atLeast, ROLES, type Membership, type Role, type User } from '../model/index.js';
import type { Store } from '../store/index.js';
import { ROLE_KEY } from './openapi.js';

/** The id of the membership of `userId` in `accountId`: one per pair, on every node. */
export function membershipIdOf(accountId: string, userId: string): string {
  return `mem_${createHash('sha256').update(`${accountId}.${userId}`).digest('hex').slice(0, 32)}`;
}

/** The role `user` has in `accountId`; undefined when it is no member. */
export function roleIn(store: Store, user: User, accountId: string): Role | undefined {
  if (user.accountId === accountId) return user.role;
  return store.getScoped<Membership>('membership', accountId, membershipIdOf(accountId, user.id))
    ?.role;
}

/** Every account `user` belongs to, its home account first, with its role there. */
export function accountsOf(store: Store, user: User): { accountId: string; role: Role }[] {
  const others = store
    .listAll<Membership>('membership')
    .filter((membership) => membership.userId === user.id)
    .map(({ accountId, role }) => ({ accountId, role }));
  return [{ accountId: user.accountId, role: user.role }, ...others];
}

/** The least role a route declared; undefined for a route without one (refused at build). */
function declaredRole(schema: unknown): Role | undefined {
  const role = (schema as Record<string, unknown> | undefined)?.[ROLE_KEY];
  return ROLES.find((known) => known === role);
}

/**
 * Makes every route registered in `scope` (the authenticated one) declare its least role:
 * the API does not build otherwise, so no route can forget it.
 */
export function requireDeclaredRoles(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    if (declaredRole(route.schema) === undefined) {
      throw new TirelessError(
        'TIRELESS_INTERNAL',
        `route ${String(route.method)} ${route.url} declares no role (routeSchema's role)`,
      );
    }
  });
}

/** Refuses (403) a caller whose role is below the one the request's route declared. */
export function checkRole(request: FastifyRequest, caller: { role: Role }): void {
  const least = declaredRole(request.routeOptions.schema) ?? 'owner';
  if (!atLeast(caller.role, least)) {
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      `this needs the ${least} role or higher in the account; the caller's is ${caller.role}`,
    );
  }
}

/**
 * Whether a caller with `role` may give or take away `target` (a member's role, an
 * invitation's): admins manage viewers and members, owners everyone.
 */
export function mayManage(role: Role, target: Role): boolean {
  return role === 'owner' || (atLeast(role, 'admin') && !atLeast(target, 'admin'));
}

/**
 * Per-account quotas: the node's defaults (settings `quota*`) bind every account but the
 * operator's (the one setup made), which has none; the operator's owner sets an account's
 * own over them (`PATCH /api/v1/accounts/:id/quotas`), stored on the account document, so
 * they replicate like any config. Counts come from this node's replica: two nodes taking
 * creates at the same moment may let an account overshoot by a few. Rates (API and push
 * requests a minute) are counted in this process in solo mode, and across the cluster in
 * cluster mode (deps.rates, the rates KV bucket: see cluster/rate-tally.ts): there an
 * account may exceed a rate by at most a batch (2 % of it, at least 1) per node in a
 * minute, and a node in island mode counts its own requests alone.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import type { ConfigDoc } from '../cluster/index.js';
import { notFound, TirelessError, type FieldProblem } from '../errors/index.js';
import {
  QUOTA_NAMES,
  quotasSchema,
  type Account,
  type Monitor,
  type QuotaName,
  type Quotas,
} from '../model/index.js';
import { parseOrThrow } from '../validation/index.js';
import { callerOf } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { jsonSchema, routeSchema } from './openapi.js';
import { idParam } from './request.js';

/** No limit on anything. */
export const NO_QUOTAS: Readonly<Quotas> = Object.freeze(
  Object.fromEntries(QUOTA_NAMES.map((name) => [name, 0])) as Quotas,
);

/**
 * The quotas in force for an account: its own where the operator set them, else the node's
 * defaults, or none for the operator's account.
 */
export function quotasInForce(
  defaults: Readonly<Quotas>,
  account: Pick<Account, 'quotas'> | undefined,
  operator: boolean,
): Quotas {
  return { ...(operator ? NO_QUOTAS : defaults), ...account?.quotas };
}

/**
 * The operator's account: the one setup made; for data from before setup marked it, the
 * oldest account (setup made the first).
 */
export function operatorOf(accounts: readonly Account[]): string | undefined {
  const marked = accounts.find((account) => account.operator === true);
  if (marked) return marked.id;
  let oldest: Account | undefined;
  for (const account of accounts) {
    if (
      !oldest ||
      account.createdAt < oldest.createdAt ||
      (account.createdAt === oldest.createdAt && account.id < oldest.id)
    )
      oldest = account;
  }
  return oldest?.id;
}

/**
 * A monitor's fields with the quotas' defaults: a body cap not given is at most the quota
 * (not the check's larger default, which the quota would refuse).
 */
export function monitorDefaults(
  quotas: Readonly<Quotas>,
  input: Record<string, unknown>,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  const { maxBodyBytes } = quotas;
  if (Object.hasOwn(input, 'maxBodyBytes') || typeof fields.maxBodyBytes !== 'number')
    return fields;
  if (maxBodyBytes === 0 || fields.maxBodyBytes <= maxBodyBytes) return fields;
  return { ...fields, maxBodyBytes };
}

/** What a create (`current` undefined) or change of a monitor would break, given its account's quotas. */
export function monitorQuotaProblems(
  quotas: Readonly<Quotas>,
  fields: Record<string, unknown>,
  current: Monitor | undefined,
  monitors: CountUpTo,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (current === undefined) problems.push(...countProblems(quotas, 'monitors', monitors));
  const changed = (field: string) =>
    current === undefined ||
    (current as unknown as Record<string, unknown>)[field] !== fields[field];
  const { minIntervalSeconds, maxBodyBytes } = quotas;
  const interval = fields.intervalSeconds;
  if (minIntervalSeconds > 0 && typeof interval === 'number' && interval < minIntervalSeconds) {
    if (changed('intervalSeconds'))
      problems.push({
        field: 'intervalSeconds',
        problem: `must be at least ${minIntervalSeconds} on this account (quota minIntervalSeconds)`,
      });
  }
  const body = fields.maxBodyBytes;
  if (maxBodyBytes > 0 && typeof body === 'number' && body > maxBodyBytes) {
    if (changed('maxBodyBytes'))
      problems.push({
        field: 'maxBodyBytes',
        problem: `must be at most ${maxBodyBytes} on this account (quota maxBodyBytes)`,
      });
  }
  return problems;
}

/**
 * Counts an account's entities, stopping at `most`: a create asks only when the account has a
 * quota, and never counts further than it (an account without one may have 30,000 monitors,
 * and a count per create made creating them quadratic).
 */
export type CountUpTo = (most: number) => number;

/** A create beyond a count quota, given what the account has already. */
export function countProblems(
  quotas: Readonly<Quotas>,
  name: 'monitors' | 'channels',
  countUpTo: CountUpTo,
): FieldProblem[] {
  const most = quotas[name];
  if (most === 0) return [];
  if (countUpTo(most) < most) return [];
  return [
    {
      field: '(body)',
      problem: `this account may have at most ${most} ${name} and has reached that (quota ${name})`,
    },
  ];
}

export function quotaError(problems: FieldProblem[]): TirelessError {
  const summary = problems.map((p) => `${p.field}: ${p.problem}`).join('; ');
  return new TirelessError('TIRELESS_QUOTA', `over this account's quota: ${summary}`, {
    fields: problems,
  });
}

/**
 * The quotas of every account, from the account documents of this node's replica; which
 * account is the operator's is worked out again only when an account changes.
 */
export class QuotaBook {
  private operator: string | undefined;
  private operatorKnown = false;
  /** Stops following config changes (when the app closes). */
  readonly detach: () => void;

  constructor(private readonly deps: ApiDeps) {
    this.detach = deps.config.onChange((change) => {
      if (change.kind === 'account') this.operatorKnown = false;
    });
  }

  get defaults(): Readonly<Quotas> {
    return this.deps.settings.quotas ?? NO_QUOTAS;
  }

  isOperator(accountId: string): boolean {
    if (!this.operatorKnown) {
      this.operator = operatorOf(this.deps.store.listAll<Account>('account'));
      this.operatorKnown = true;
    }
    return this.operator === accountId;
  }

  of(accountId: string): Quotas {
    const account = this.deps.store.getConfig<Account>('account', accountId);
    return quotasInForce(this.defaults, account, this.isOperator(accountId));
  }

  /**
   * A per-account rate limit of `name` (a requests-per-minute quota) for a route's or
   * scope's onRequest, counting by the account `accountOf` names (undefined: not counted):
   * in this process (solo), or across the cluster through deps.rates.
   */
  limiter(
    app: FastifyInstance,
    name: 'apiRequestsPerMinute' | 'pushRequestsPerMinute',
    accountOf: (request: FastifyRequest) => string | undefined,
  ): preHandlerAsyncHookHandler {
    const { rates } = this.deps;
    if (rates) {
      const kind = name === 'apiRequestsPerMinute' ? 'api' : 'push';
      return async (request, reply) => {
        const account = accountOf(request);
        const max = account === undefined ? 0 : this.of(account)[name];
        if (account === undefined || max === 0) return;
        const { current, resetInMs } = await rates.take(kind, account, max);
        const reset = Math.ceil(resetInMs / 1000);
        void reply.headers({
          'x-ratelimit-limit': max,
          'x-ratelimit-remaining': Math.max(0, max - current),
          'x-ratelimit-reset': reset,
        });
        if (current <= max) return;
        void reply.header('retry-after', reset);
        throw rateLimited(name, max, `${reset} seconds`);
      };
    }
    return app.rateLimit({
      timeWindow: 60_000,
      keyGenerator: (request) => accountOf(request) ?? '',
      allowList: (_request, key) => key === '' || this.of(key)[name] === 0,
      max: (_request, key) => this.of(key)[name],
      errorResponseBuilder: (_request, context) => rateLimited(name, context.max, context.after),
    });
  }
}

/** A request beyond the rate quota `name` of `max` a minute; `after`: when to retry, in words. */
function rateLimited(name: QuotaName, max: number, after: string): TirelessError {
  const problem = `this account may make at most ${max} a minute (quota ${name}); retry in ${after}`;
  return new TirelessError('TIRELESS_RATE_LIMITED', `too many requests: ${problem}`, {
    fields: [{ field: name, problem }],
  });
}

/** A change of quotas: a number sets one (0: no limit), null returns it to the default. */
const quotasPatch = z
  .object(
    Object.fromEntries(
      QUOTA_NAMES.map((name) => [name, quotasSchema.shape[name].nullable().optional()]),
    ) as { [K in QuotaName]: z.ZodOptional<z.ZodNullable<(typeof quotasSchema.shape)[K]>> },
  )
  .strict();

/**
 * `GET /api/v1/quotas` (the caller's account's quotas and use) and, for the owner of the
 * operator's account only, `GET /api/v1/accounts` and `PATCH /api/v1/accounts/:id/quotas`.
 */
export function registerQuotaRoutes(app: FastifyInstance, deps: ApiDeps, book: QuotaBook): void {
  app.get(
    '/api/v1/quotas',
    {
      schema: routeSchema({
        tag: 'quotas',
        role: 'viewer',
        summary: "The caller's account's quotas in force (0: no limit) and what it uses",
        responses: { 200: '{ quotas, used: { monitors, channels }, operator }' },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      return {
        quotas: book.of(accountId),
        used: {
          monitors: deps.store.countScoped('monitor', accountId),
          channels: deps.store.countScoped('channel', accountId),
        },
        operator: book.isOperator(accountId),
      };
    },
  );

  const operatorOnly = (request: FastifyRequest): void => {
    const caller = callerOf(request);
    if (caller.role !== 'owner' || !book.isOperator(caller.accountId))
      throw new TirelessError(
        'TIRELESS_FORBIDDEN',
        "only an owner of the operator's account (the one setup made) manages accounts",
      );
  };
  const present = (account: Account) => ({
    id: account.id,
    name: account.name,
    createdAt: account.createdAt,
    operator: book.isOperator(account.id),
    quotas: account.quotas ?? {},
    inForce: book.of(account.id),
    used: {
      monitors: deps.store.countScoped('monitor', account.id),
      channels: deps.store.countScoped('channel', account.id),
    },
  });

  app.get(
    '/api/v1/accounts',
    {
      schema: routeSchema({
        tag: 'quotas',
        role: 'owner',
        summary:
          "Every account with its own quotas, those in force and what it uses, and the node's defaults (owner of the operator's account only)",
        responses: {
          200: '{ items: [{ id, name, createdAt, operator, quotas, inForce, used: { monitors, channels } }], defaults }',
        },
      }),
    },
    (request) => {
      operatorOnly(request);
      const accounts = deps.store.listAll<Account>('account');
      accounts.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      return { items: accounts.map(present), defaults: book.defaults };
    },
  );

  app.patch(
    '/api/v1/accounts/:id/quotas',
    {
      schema: routeSchema({
        tag: 'quotas',
        role: 'owner',
        summary:
          "Set an account's own quotas: a number (0: no limit), or null for the default (owner of the operator's account only)",
        params: ['id'],
        body: { ...jsonSchema(quotasPatch), description: `any of ${QUOTA_NAMES.join(', ')}` },
        responses: { 200: '{ id, name, createdAt, operator, quotas, inForce, used }' },
      }),
    },
    async (request) => {
      operatorOnly(request);
      const account = deps.store.getConfig<Account>('account', idParam(request));
      if (!account) throw notFound('account');
      const patch = parseOrThrow(quotasPatch, request.body);
      const quotas: Partial<Quotas> = { ...account.quotas };
      for (const name of QUOTA_NAMES) {
        const value = patch[name];
        if (value === null) delete quotas[name];
        else if (value !== undefined) quotas[name] = value;
      }
      const saved = await deps.config.put<Account & ConfigDoc>(
        'account',
        { ...account, quotas, updatedAt: deps.clock.now() },
        account.revision,
      );
      return present(saved);
    },
  );
}

import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ConfigDoc, UniqueName } from '../cluster/index.js';
import { describeError, TirelessError, validationError } from '../errors/index.js';
import type { Account, Role, User } from '../model/index.js';
import { parseOrThrow } from '../validation/index.js';
import {
  authenticate,
  callerOf,
  csrfTokenOf,
  endSessions,
  issueToken,
  setSessionCookie,
  unauthorized,
} from './credentials.js';
import type { ApiDeps } from './deps.js';
import { hasherOf, PasswordLogin } from './login.js';
import { jsonSchema, routeSchema } from './openapi.js';
import { accountChoices, accountName } from './members.js';
import { newId } from './request.js';
import { secondFactorCode } from './second-factor.js';
import { checkSetupRequest } from './setup-guard.js';

export const email = z
  .string({ message: 'is required' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address'));

/**
 * The password rules for new passwords: 12 to 200 characters (length is what makes a password
 * hard to guess; the upper bound caps the work one KDF call does). Passwords set before the
 * rule, shorter, still log in.
 */
export const newPassword = z
  .string({ message: 'is required' })
  .min(12, 'must be at least 12 characters')
  .max(200, 'must be at most 200 characters');

const credentials = z.object({ email, password: newPassword }).strict();
/** Sign-up's body: the new owner's credentials, and the new account's name. */
const signup = z
  .object({
    email,
    password: newPassword,
    accountName: accountName.optional().describe("the new account's name; default: the email"),
  })
  .strict();
const passwordChange = z
  .object({
    currentPassword: z.string({ message: 'is required' }).min(1, 'is required').max(200),
    newPassword,
  })
  .strict();
/** Setup's body: the owner's credentials, and the one-time code when the node made one. */
const setup = z
  .object({
    email,
    password: newPassword,
    setupCode: z.string().max(200, 'must be at most 200 characters').optional(),
  })
  .strict();
// Login checks no rules beyond the size: the stored hash decides.
const login = z
  .object({
    email,
    password: z.string({ message: 'is required' }).min(1, 'is required').max(200),
    totpCode: secondFactorCode
      .optional()
      .describe(
        'for a user with two-factor login: the code of the authenticator app, or a recovery code',
      ),
  })
  .strict();

/**
 * The public routes that hand out session tokens: setup (the first owner), login (a bearer
 * token, or a browser's session cookie) and sign-up, all rate-limited per client address.
 * Passwords are checked with scrypt.
 */
export function registerAuthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // One limiter for the public routes: they share one count per client address.
  const limited = passwordLimiter(app, deps);
  const accounts = new AccountCreator(deps);
  const passwordLogin = new PasswordLogin(deps);
  const docs = { tag: 'auth', public: true, body: jsonSchema(credentials) };

  app.post(
    '/api/v1/setup',
    {
      onRequest: limited,
      schema: routeSchema({
        ...docs,
        body: jsonSchema(setup),
        summary:
          'Create the first account and its owner (only while no user exists; with the setup code `tireless start` printed when others can reach the node)',
        responses: { 201: '{ token }: a session token' },
      }),
    },
    async (request, reply) => {
      // Before anything else: a page that pointed its name at this node, or a caller without
      // the code, learns nothing more.
      const body = request.body as { setupCode?: unknown } | null;
      checkSetupRequest(
        { host: request.host, headers: request.headers, setupCode: body?.setupCode },
        {
          code: deps.settings.setupCode,
          allowedHosts: deps.settings.allowedHosts ?? [],
          interfaceAddresses: ownAddresses(),
        },
      );
      const input = parseOrThrow(setup, body);
      const user = await accounts.create(
        input,
        [OWNER, emailClaim(input.email)],
        { early: true },
        () => {
          if (deps.store.countAll('user') > 0)
            throw new TirelessError('TIRELESS_CONFLICT', OWNER.taken);
        },
      );
      reply.code(201);
      return { token: (await issueToken(deps, user, 'session', 'setup')).secret };
    },
  );

  app.post(
    '/api/v1/auth/signup',
    {
      onRequest: limited,
      schema: routeSchema({
        ...docs,
        body: jsonSchema(signup),
        summary:
          'Create a new account and its owner (when sign-up is open); the same answer whether or not the email is taken: then log in',
        responses: { 202: '{ status: "accepted", message }' },
      }),
    },
    async (request, reply) => {
      if (deps.settings.signup !== 'open')
        throw new TirelessError('TIRELESS_FORBIDDEN', 'sign-up is closed on this server');
      const input = parseOrThrow(signup, request.body);
      const email = emailClaim(input.email);
      // A taken email is answered as a free one, after the same KDF work: sign-up does not
      // tell who has an account (see docs/API.md for what remains).
      await accounts
        .create(input, [email], { early: false }, () => {
          if (deps.store.findUserByEmail(input.email))
            throw new TirelessError('TIRELESS_CONFLICT', email.taken);
        })
        .catch((error: unknown) => {
          if (!(error instanceof TirelessError && error.code === 'TIRELESS_CONFLICT')) throw error;
        });
      reply.code(202);
      return SIGNUP_ACCEPTED;
    },
  );

  /** The user `body` names, if its password matches; else a 401. */
  const logIn = async (body: unknown, reply: FastifyReply): Promise<User> => {
    const input = parseOrThrow(login, body);
    return passwordLogin.logIn(input.email, input.password, reply, input.totpCode);
  };

  app.post(
    '/api/v1/auth/login',
    {
      onRequest: limited,
      schema: routeSchema({
        ...docs,
        body: jsonSchema(login),
        summary: 'Exchange email and password for a session token',
        responses: { 200: '{ token }: a session token' },
      }),
    },
    async (request, reply) => {
      const user = await logIn(request.body, reply);
      return { token: (await issueToken(deps, user, 'session', 'login', { request })).secret };
    },
  );

  app.post(
    '/api/v1/auth/session',
    {
      onRequest: limited,
      schema: routeSchema({
        ...docs,
        body: jsonSchema(login),
        summary:
          'Log a browser in: sets the session cookie (HttpOnly, SameSite=Strict); the reply has its CSRF token',
        responses: { 201: '{ user: { id, email, role, accountId, accounts }, csrfToken }' },
      }),
    },
    async (request, reply) => {
      const user = await logIn(request.body, reply);
      const { secret } = await issueToken(deps, user, 'session', 'browser', { request });
      setSessionCookie(request, reply, secret, deps.settings.sessionTtlMs);
      reply.code(201);
      return sessionOf(deps, user, user, csrfTokenOf(secret));
    },
  );

  app.get(
    '/api/v1/auth/session',
    {
      schema: routeSchema({
        tag: 'auth',
        public: true,
        summary:
          "Who is logged in (the session cookie or bearer token sent), a browser session's CSRF token, whether setup is still open and whether anyone may sign up",
        responses: {
          200: '{ user: { id, email, role, accountId, accounts: [{ id, name, role }…] } | null, csrfToken, setupOpen, setupCodeRequired, signupOpen }: role and accountId are those the session acts in',
        },
      }),
    },
    async (request) => {
      const caller = await authenticate(deps, request);
      const user = caller && deps.store.getConfig<User>('user', caller.userId);
      const setupOpen = deps.store.countAll('user') === 0;
      return {
        ...sessionOf(deps, user ?? null, caller, caller?.csrfToken),
        setupOpen,
        setupCodeRequired: setupOpen && deps.settings.setupCode !== undefined,
        // The login page offers sign-up only where POST /api/v1/auth/signup would take it.
        signupOpen: deps.settings.signup === 'open',
      };
    },
  );
}

/** A per-client-address limit on password attempts (settings.authRateLimit). */
export function passwordLimiter(app: FastifyInstance, deps: ApiDeps) {
  const { max, windowMs } = deps.settings.authRateLimit;
  return app.rateLimit({
    max,
    timeWindow: windowMs,
    errorResponseBuilder: (_request, context) =>
      new TirelessError(
        'TIRELESS_RATE_LIMITED',
        `too many attempts from this address; retry in ${context.after}`,
      ),
  });
}

/**
 * `POST /api/v1/auth/password`, for the authenticated scope: the caller changes their own
 * password (the current one proves it is them, not a borrowed session), under the new-password
 * rules and rate-limited like login. Every other session of the user ends, on every node; the
 * one making the request stays, and so do API tokens.
 */
export function registerPasswordRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.post(
    '/api/v1/auth/password',
    {
      onRequest: passwordLimiter(app, deps),
      schema: routeSchema({
        role: 'viewer',
        tag: 'auth',
        body: jsonSchema(passwordChange),
        summary: "Change the caller's password: the user's other sessions end, this one stays",
        responses: { 204: 'Changed' },
      }),
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const input = parseOrThrow(passwordChange, request.body);
      const user = deps.store.getConfig<User>('user', caller.userId);
      if (!user) throw unauthorized();
      const passwords = hasherOf(deps);
      if (!(await passwords.check(input.currentPassword, user.passwordHash)).matches) {
        throw validationError([
          { field: 'currentPassword', problem: 'is not the current password' },
        ]);
      }
      const passwordHash = await passwords.hash(input.newPassword);
      await deps.config.put<User & ConfigDoc>(
        'user',
        { ...user, passwordHash, updatedAt: deps.clock.now() },
        user.revision,
      );
      await endSessions(deps, caller.homeAccountId, caller.userId, caller.tokenId);
      return reply.code(204).send();
    },
  );
}

/**
 * What a browser learns of its session: who is logged in, and the CSRF token its writes send
 * (null for a bearer token, which needs none).
 */
function sessionOf(
  deps: ApiDeps,
  user: User | null,
  acting: { accountId: string; role: Role } | undefined,
  csrfToken: string | undefined,
) {
  return {
    user: user &&
      acting && {
        id: user.id,
        email: user.email,
        role: acting.role,
        accountId: acting.accountId,
        accounts: accountChoices(deps, user),
      },
    csrfToken: (user && csrfToken) ?? null,
  };
}

/** The addresses of this machine's network interfaces (read per call: they change). */
function ownAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((entry) => entry.address),
  );
}

/** Sign-up's one answer, whether the email was free or taken. */
const SIGNUP_ACCEPTED = {
  status: 'accepted',
  message: 'if no account has this email yet, it was made: log in with this email and password',
} as const;

/** The first-run owner: one per cluster. */
const OWNER: UniqueName = { name: 'owner', taken: 'setup is done already; log in' };

/** One user per email in the whole cluster (the address is lowercased already). */
export function emailClaim(email: string): UniqueName {
  return {
    name: `email.${createHash('sha256').update(email).digest('hex')}`,
    taken: 'a user with this email exists; log in',
  };
}

/**
 * Creates accounts with their owner. The user is written with its unique names (email,
 * first-run owner) claimed cluster-wide by the ConfigWriter; creations on this node also
 * run one at a time, so a second request here is refused by `check` before any write.
 */
class AccountCreator {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ApiDeps) {}

  /**
   * Hashes the password, then runs `check` (throws to refuse) and creates the account and its
   * owner in the queue, after every earlier creation has finished. `early`: `check` also runs
   * first, to spare the KDF's work (not for sign-up: the time taken would tell).
   */
  async create(
    input: { email: string; password: string; accountName?: string | undefined },
    unique: readonly UniqueName[],
    { early }: { early: boolean },
    check: () => void,
  ): Promise<User> {
    if (early) check();
    const passwordHash = await hasherOf(this.deps).hash(input.password);
    const run = this.queue.then(() => {
      check();
      return this.createOwner(input, passwordHash, unique);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The account is named `accountName`, or after the owner's email. */
  private async createOwner(
    { email, accountName }: { email: string; accountName?: string | undefined },
    passwordHash: string,
    unique: readonly UniqueName[],
  ): Promise<User> {
    const { config, clock, log } = this.deps;
    const now = clock.now();
    const accountId = newId('acc_');
    await config.put<Account & ConfigDoc>(
      'account',
      {
        id: accountId,
        accountId,
        name: accountName ?? email,
        // Setup's account is the operator's: no quotas bind it unless the operator sets some.
        ...(unique.includes(OWNER) ? { operator: true } : {}),
        createdAt: now,
        updatedAt: now,
      },
      0,
    );
    try {
      return await config.put<User & ConfigDoc>(
        'user',
        {
          id: newId('usr_'),
          accountId,
          email,
          passwordHash,
          role: 'owner',
          createdAt: now,
          updatedAt: now,
        },
        0,
        unique,
      );
    } catch (error) {
      // Another node won the email or the setup: the account made for this try goes. (Not
      // after a write that may still land: the user would lose its account.)
      if (error instanceof TirelessError && error.code === 'TIRELESS_CONFLICT') {
        await config.remove('account', accountId, accountId).catch((cleanup: unknown) => {
          log.warn({ accountId, error: describeError(cleanup) }, 'empty account left behind');
        });
      }
      throw error;
    }
  }
}

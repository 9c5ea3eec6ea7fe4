/**
 * Two-factor login with an authenticator app (TOTP, RFC 6238): a user starts an enrolment
 * (a new secret, sealed at rest bound to the user), confirms it with a code (only then does
 * login ask for one) and gets one-time recovery codes (stored hashed); turning it off takes the
 * password and a code. Every code is good once: its use is written on the user over the
 * revision read, so of two uses at once, on any nodes, one loses.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TirelessError, validationError } from '../errors/index.js';
import type { User, UserTotp } from '../model/index.js';
import {
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
  recoveryCodeHash,
} from '../secrets/index.js';
import { parseOrThrow } from '../validation/index.js';
import { passwordLimiter } from './auth.js';
import { callerOf, unauthorized } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { hasherOf } from './login.js';
import { jsonSchema, routeSchema } from './openapi.js';
import {
  CODE_PROBLEM,
  placeOf,
  putTotp,
  SECRET_FIELD,
  secondFactorCode,
  totpEnabled,
  useSecondFactor,
} from './second-factor.js';

/** The name authenticator apps show for the entry. */
const ISSUER = 'Tireless';
const password = z.string({ message: 'is required' }).min(1, 'is required').max(200);
const start = z.object({ password }).strict();
/** A code of the authenticator app: a recovery code (never 6 digits) is no such code. */
const appCode = z
  .string({ message: 'is required' })
  .trim()
  .regex(/^\d{6}$/, "must be the app's 6 digits");
const confirm = z.object({ code: appCode }).strict();
const disable = z.object({ password, code: secondFactorCode }).strict();
// The app's code, not a recovery code: whoever holds a recovery code but not the app must
// not mint more.
const regenerate = z.object({ password, code: appCode }).strict();

/**
 * `/api/v1/auth/totp`, for the authenticated scope: the caller's own second factor. Start,
 * confirm and turn off are rate-limited per client address like login; each needs the
 * password or a code, so a borrowed session can neither turn it on (and lock the user out)
 * nor off.
 */
export function registerTotpRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tag = 'auth';
  const limited = passwordLimiter(app, deps);

  /** The caller's user as stored. */
  const userOf = (request: Parameters<typeof callerOf>[0]): User => {
    const user = deps.store.getConfig<User>('user', callerOf(request).userId);
    if (!user) throw unauthorized();
    return user;
  };
  /** The options of a route that takes a password or a code: rate-limited like login. */
  const limitedRoute = (
    body: z.ZodType,
    summary: string,
    responses: Parameters<typeof routeSchema>[0]['responses'],
  ) => ({
    onRequest: limited,
    schema: routeSchema({ role: 'viewer', tag, body: jsonSchema(body), summary, responses }),
  });
  const checkPassword = async (user: User, given: string) => {
    if (!(await hasherOf(deps).check(given, user.passwordHash)).matches) {
      throw validationError([{ field: 'password', problem: 'is not the current password' }]);
    }
  };

  app.get(
    '/api/v1/auth/totp',
    {
      schema: routeSchema({
        role: 'viewer',
        tag,
        summary:
          "Whether the caller's login asks for a TOTP code, and how many recovery codes are left",
        responses: { 200: '{ enabled, pending, recoveryCodesLeft }' },
      }),
    },
    (request) => {
      const { totp } = userOf(request);
      return {
        enabled: totp?.enabledAt != null,
        pending: totp !== undefined && totp.enabledAt === null,
        recoveryCodesLeft: totp?.enabledAt != null ? totp.recoveryCodes.length : 0,
      };
    },
  );

  app.post(
    '/api/v1/auth/totp',
    limitedRoute(
      start,
      'Start TOTP enrolment (needs the password): a new secret for an authenticator app, asked at login only once confirmed; replaces an unconfirmed one',
      { 201: '{ secret, uri }: the base32 secret and its otpauth:// URI' },
    ),
    async (request, reply) => {
      const input = parseOrThrow(start, request.body);
      const user = userOf(request);
      if (totpEnabled(user)) {
        throw new TirelessError(
          'TIRELESS_CONFLICT',
          'two-factor login is on already: turn it off first to enrol another app',
        );
      }
      await checkPassword(user, input.password);
      const secret = newTotpSecret();
      const totp: UserTotp = {
        secret: deps.secrets.seal(secret, placeOf(user), SECRET_FIELD),
        enabledAt: null,
        lastStep: -1,
        recoveryCodes: [],
      };
      await putTotp(deps, user, totp);
      reply.code(201);
      return { secret, uri: otpauthUri(secret, ISSUER, user.email) };
    },
  );

  app.post(
    '/api/v1/auth/totp/confirm',
    limitedRoute(
      confirm,
      "Confirm TOTP enrolment with a current code: login asks for a code from now on; the reply's recovery codes (each works once) are shown only here",
      { 200: '{ recoveryCodes: [string…] }' },
    ),
    async (request) => {
      const { code } = parseOrThrow(confirm, request.body);
      const user = userOf(request);
      if (user.totp?.enabledAt !== null) {
        throw new TirelessError(
          'TIRELESS_CONFLICT',
          user.totp
            ? 'two-factor login is on already'
            : 'no TOTP enrolment to confirm: start one first (POST /api/v1/auth/totp)',
        );
      }
      const secret = deps.secrets.open(user.totp.secret, placeOf(user), SECRET_FIELD);
      const step = matchTotp(secret, code, deps.clock.now(), user.totp.lastStep);
      if (step === undefined) {
        throw validationError([
          {
            field: 'code',
            problem:
              "is not the app's current code: check the app shows the entry just added, and the device's clock",
          },
        ]);
      }
      const recoveryCodes = newRecoveryCodes();
      await putTotp(deps, user, {
        ...user.totp,
        enabledAt: deps.clock.now(),
        lastStep: step,
        recoveryCodes: recoveryCodes.map(recoveryCodeHash),
      });
      return { recoveryCodes };
    },
  );

  app.post(
    '/api/v1/auth/totp/disable',
    limitedRoute(
      disable,
      'Turn two-factor login off (or drop an unconfirmed enrolment): needs the password and a current code or a recovery code',
      { 204: 'Off' },
    ),
    async (request, reply) => {
      const input = parseOrThrow(disable, request.body);
      let user = userOf(request);
      if (!user.totp) throw new TirelessError('TIRELESS_CONFLICT', 'two-factor login is off');
      await checkPassword(user, input.password);
      if (totpEnabled(user)) {
        const used = await useSecondFactor(deps, user, input.code);
        if (!used) {
          throw validationError([{ field: 'code', problem: CODE_PROBLEM }]);
        }
        user = used;
      }
      await putTotp(deps, user, undefined);
      return reply.code(204).send();
    },
  );
  app.post(
    '/api/v1/auth/totp/recovery-codes',
    limitedRoute(
      regenerate,
      "Replace the recovery codes (needs the password and a current code from the app): the old ones stop working; the reply's 10 new ones are shown only here",
      { 200: '{ recoveryCodes: [string…] }' },
    ),
    async (request) => {
      const input = parseOrThrow(regenerate, request.body);
      const user = userOf(request);
      if (!totpEnabled(user)) {
        throw new TirelessError('TIRELESS_CONFLICT', 'two-factor login is off');
      }
      await checkPassword(user, input.password);
      const used = await useSecondFactor(deps, user, input.code);
      if (!used?.totp) {
        throw validationError([
          {
            field: 'code',
            problem: "is not the authenticator app's current code (each code works once)",
          },
        ]);
      }
      const recoveryCodes = newRecoveryCodes();
      await putTotp(deps, used, {
        ...used.totp,
        recoveryCodes: recoveryCodes.map(recoveryCodeHash),
      });
      return { recoveryCodes };
    },
  );
}

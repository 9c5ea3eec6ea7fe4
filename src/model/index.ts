/**
 * The data model: entity types, and validation of what users send for them. Config
 * entities are documents with an `id`, their `accountId` and a `revision` (optimistic
 * concurrency now, a JetStream KV revision in a cluster; opaque, only increasing per
 * entity). Results are immutable facts keyed by (monitorId, slot, node).
 */
import { z } from 'zod';
import { getChecker, MONITOR_TYPES } from '../checks/index.js';
import { getNotifier, CHANNEL_TYPES } from '../notify/index.js';
import { validationError, type FieldProblem } from '../errors/index.js';
import { fieldProblems } from '../validation/index.js';

export {
  keepMaskedMonitorSecrets,
  maskedMonitorSecrets,
  maskMonitor,
  monitorMoved,
  secretsNotSent,
  monitorPlace,
  monitorSecretFields,
  openMonitor,
  openMonitorOr,
  sealMonitor,
} from './monitor-secrets.js';

/**
 * What a user may do in an account, from least to most: a viewer reads; a member also edits
 * monitors, channels, maintenance windows and status pages; an admin also manages members,
 * invitations and other users' API tokens; an owner also the account itself and its admins.
 */
export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;

export type Role = (typeof ROLES)[number];

/** Whether `role` may do what `least` may (roles are ordered as in ROLES). */
export function atLeast(role: Role, least: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(least);
}

/** The lesser of two roles. */
export function lesserRole(a: Role, b: Role): Role {
  return atLeast(a, b) ? b : a;
}

/**
 * The fields every stored config entity has. The server sets them: what a client sends for
 * them is ignored, and they are never part of a create's or a patch's input.
 */
export const entitySchema = z.object({
  id: z.string().describe('set by the server, e.g. mon_…'),
  accountId: z.string().describe('the account the entity belongs to'),
  revision: z
    .int()
    .nonnegative()
    .describe(
      "opaque: higher after every write (a store-wide sequence, in a cluster the KV bucket's, so not one more than before); compare for equality only, and send it back to change only an unchanged entity",
    ),
  createdAt: z.int().nonnegative().describe('ms since the epoch'),
  updatedAt: z.int().nonnegative().describe('ms since the epoch'),
});

export type Entity = z.output<typeof entitySchema>;

/** The names of the fields every config entity has (entitySchema's). */
export const ENTITY_FIELDS: readonly string[] = Object.freeze(Object.keys(entitySchema.shape));

export interface Account extends Entity {
  name: string;
  /** The account setup made: the operator's, with no quota unless the operator sets one. */
  operator?: boolean;
  /** Quotas the operator set for this account, over the node's defaults (0: no limit). */
  quotas?: Partial<Quotas>;
  /**
   * How long the account keeps its history, whole days: results, rollups, closed incidents
   * and finished deliveries older than this are deleted. Never longer than the node's
   * retention (the lesser is in force). Absent: the node's rules.
   */
  retentionDays?: number;
}

/**
 * What an account may use (0: no limit). Monitors and channels count the account's
 * entities; the rates count requests per minute, across a cluster (see cluster/rate-tally.ts).
 */
export const quotasSchema = z
  .object({
    monitors: z.int().min(0).max(10_000_000).describe('monitors at most'),
    minIntervalSeconds: z
      .int()
      .min(0)
      .max(86_400)
      .describe('the smallest check interval a monitor may have, seconds'),
    maxBodyBytes: z
      .int()
      .min(0)
      .max(67_108_864)
      .describe('the largest response body an HTTP check may read (its maxBodyBytes), bytes'),
    channels: z.int().min(0).max(10_000_000).describe('notification channels at most'),
    apiRequestsPerMinute: z
      .int()
      .min(0)
      .max(10_000_000)
      .describe('authenticated API requests a minute'),
    pushRequestsPerMinute: z
      .int()
      .min(0)
      .max(10_000_000)
      .describe("push heartbeats a minute to the account's push monitors"),
  })
  .strict();

export type Quotas = z.output<typeof quotasSchema>;
export type QuotaName = keyof Quotas;

/** The quota names, in the order docs and replies list them. */
export const QUOTA_NAMES = Object.freeze(Object.keys(quotasSchema.shape)) as readonly QuotaName[];

/**
 * A login. Its `accountId` is its home account, the one it was created in, where it has
 * `role`; it may be a member of other accounts too (Membership). Removing a user from its
 * home account removes the user.
 */
export interface User extends Entity {
  email: string;
  passwordHash: string;
  role: Role;
  /** Two-factor login with an authenticator app (TOTP); absent: none. */
  totp?: UserTotp;
}

/** A user's TOTP: an enrolment started, or (enabledAt set) confirmed and asked at login. */
export interface UserTotp {
  /** The shared secret (base32), sealed bound to the user (field `totp.secret`). */
  secret: string;
  /** When a code confirmed it, ms since the epoch; null: started, not confirmed, not asked. */
  enabledAt: number | null;
  /** The newest time step whose code was accepted: no code of it or before it is accepted again. */
  lastStep: number;
  /** The SHA-256 (hex) of each unused recovery code. */
  recoveryCodes: string[];
}

/**
 * A user's role in an account other than its home account (`accountId`: the account it
 * grants). Its id is derived from (accountId, userId), so a user is a member once.
 */
export interface Membership extends Entity {
  userId: string;
  role: Role;
}

/**
 * An invitation to join `accountId` with `role`: its id is the SHA-256 of the link's secret,
 * which exists only in the link. One use; it ends at `expiresAt`.
 */
export interface Invitation extends Entity {
  /** Lowercased. */
  email: string;
  role: Role;
  /** The user who invited. */
  invitedBy: string;
  /** ms since the epoch. */
  expiresAt: number;
}

/**
 * A bearer credential: a login session (a browser's cookie session too) or an API token.
 * Stored by the SHA-256 of its secret, which is its id.
 */
export interface Token extends Entity {
  userId: string;
  kind: 'session' | 'api';
  /** An API token's name; how a session began (`login`, `browser`, `setup`, `signup`). */
  name: string;
  /**
   * ms since the epoch; null never expires. A session also ends when idle or old: the
   * settings in force decide (see the api's token-life).
   */
  expiresAt: number | null;
  /**
   * Sessions: when it was last used, ms since the epoch, recorded at most every few minutes.
   * Absent in sessions stored before it existed: createdAt stands for it.
   */
  lastSeenAt?: number;
  /** Sessions: the client's User-Agent (cut to 200 characters) at login; null: not recorded. */
  userAgent?: string | null;
  /** Sessions: the client's address at login (a trusted proxy's X-Forwarded-For); null: not recorded. */
  ip?: string | null;
  /** API tokens: refused (403) on every request that changes something. Absent: false. */
  readOnly?: boolean;
  /**
   * API tokens: the most the token may do, at most its creator's role when it was made (and
   * never more than the creator's role now). Absent: the creator's role.
   */
  role?: Role;
  /**
   * Sessions: the account the session acts in, when the user switched to another of its
   * accounts (`POST /api/v1/auth/account`). Absent: the token's `accountId`, the user's home.
   */
  actingAccountId?: string;
}

export type Monitor = Entity & MonitorCommon & { [typeField: string]: unknown };

/** A notification channel; the secret fields of its `config` are encrypted in storage. */
export type Channel = Entity & z.output<typeof channelInputSchema>;

export type MaintenanceSchedule =
  | { kind: 'once'; startsAt: number; endsAt: number }
  | {
      kind: 'recurring';
      every: 'day' | 'week';
      /** 0 = Sunday … 6 = Saturday; for `week` */
      weekdays: number[];
      /** "HH:MM", wall-clock time in `timeZone` */
      startTime: string;
      /** Elapsed minutes from the start (a window over a DST change lasts as long as any other). */
      durationMinutes: number;
      /** IANA time zone of `startTime` and `weekdays`, e.g. "Europe/Berlin"; absent in windows stored before it existed. @defaultValue "UTC" */
      timeZone?: string;
    };

export interface MaintenanceWindow extends Entity {
  name: string;
  /** null: every monitor of the account */
  monitorIds: string[] | null;
  schedule: MaintenanceSchedule;
}

export interface Result {
  monitorId: string;
  /** The slot this check is for, ms since the epoch. */
  slot: number;
  /** When the check started, ms since the epoch. */
  checkedAt: number;
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
  node: string;
  region: string;
  /**
   * A monitor checked from several locations: how many locations checked it when this
   * check ran, as the checking node's assignment saw it (its verdict is judged on what
   * the slot's results record, not on the judging node's view). Absent: one location, or
   * a node that did not record it.
   */
  locationsChecking?: number;
  /** An HTTP check's phases (its final request's); absent for other types and older results. */
  timing?: ResultTiming;
}

/**
 * The phases of an HTTP check's final request, whole ms each; a phase it did not go through
 * is absent (no lookup for an IP address, no TLS for http). The rest of `latencyMs` is the
 * body, and any redirects before.
 */
export interface ResultTiming {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
}

/** The timing phases, in the order a request goes through them. */
export const TIMING_PHASES = [
  'dnsMs',
  'connectMs',
  'tlsMs',
  'firstByteMs',
] as const satisfies readonly (keyof ResultTiming)[];

export interface Incident {
  id: string;
  accountId: string;
  monitorId: string;
  /** Slot of the first failing result. */
  startedAt: number;
  /** Slot of the result that ended it; null while open. */
  endedAt: number | null;
  cause: string;
  inMaintenance: boolean;
}

/** The most regions a monitor can be checked from. */
const MAX_LOCATIONS = 20;

/**
 * The fields every monitor has, whatever its type; the type's own fields (its checker's
 * options schema) sit beside them in the same object. With entitySchema and the checkers'
 * schemas, the one source of a monitor's shape: input validation, replies and the OpenAPI
 * document all come from it.
 */
export const monitorCommonSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'is required')
      .max(200, 'must be at most 200 characters')
      .describe('shown in alerts, 1–200 characters'),
    type: z
      .enum(MONITOR_TYPES as [string, ...string[]], {
        message: `must be one of ${MONITOR_TYPES.join(', ')}`,
      })
      .describe('what the monitor checks; the type decides its other fields'),
    intervalSeconds: z
      .number({ message: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1')
      .max(86_400, 'must be at most 86400 (one day)')
      .default(60)
      .describe('seconds between checks'),
    timeoutSeconds: z
      .number({ message: 'must be a number of seconds' })
      .positive('must be positive')
      .max(300, 'must be at most 300')
      .optional()
      .describe('seconds one check may take; default min(intervalSeconds, 30), never more than it'),
    retries: z
      .number()
      .int('must be a whole number')
      .min(0)
      .max(100)
      .default(0)
      .describe('consecutive failures tolerated before the monitor is down'),
    paused: z.boolean().default(false).describe('a paused monitor is not checked'),
    tags: z.array(z.string().trim().min(1).max(50)).max(50).default([]),
    channelIds: z
      .array(z.string().min(1))
      .max(50)
      .default([])
      .describe('channels alerted when the monitor goes down or up'),
    renotifyMinutes: z
      .number()
      .int()
      .min(1)
      .max(10_080)
      .nullable()
      .default(null)
      .describe('re-send the down alert every N minutes while down; null: never'),
    locations: z
      .number({ message: 'must be a number of regions' })
      .int('must be a whole number of regions')
      .min(1, 'must be at least 1')
      .max(MAX_LOCATIONS, `must be at most ${MAX_LOCATIONS}`)
      .default(1)
      .describe(
        'cluster mode: how many regions check the monitor, each from its best live node (fewer when fewer regions are live); solo mode has one location',
      ),
    confirmations: z
      .number({ message: 'must be a number of locations' })
      .int('must be a whole number of locations')
      .min(1, 'must be at least 1')
      .max(MAX_LOCATIONS, `must be at most ${MAX_LOCATIONS}`)
      .optional()
      .describe(
        'with locations ≥ 2: how many locations must see the monitor fail before it is down, at most locations; default a majority, floor(locations / 2) + 1',
      ),
  })
  .strict();

/** The fields every monitor has; its type's own fields sit beside them in the same object. */
export type MonitorCommon = Omit<
  z.output<typeof monitorCommonSchema>,
  'timeoutSeconds' | 'locations' | 'confirmations'
> & {
  /** Seconds one check may take; the model fills in the default. */
  timeoutSeconds: number;
  /**
   * Regions that check the monitor, and failing ones needed for down; the model fills in the
   * defaults (1, and a majority). Absent in monitors stored before they existed: read them
   * through `monitorLocations`.
   */
  locations?: number;
  confirmations?: number;
};

/**
 * How many regions check `monitor` and how many of them must see it fail before it is down,
 * with the defaults for a monitor stored before these fields existed (one location).
 */
export function monitorLocations(monitor: Pick<MonitorCommon, 'locations' | 'confirmations'>): {
  locations: number;
  confirmations: number;
} {
  const locations = monitor.locations ?? 1;
  return { locations, confirmations: monitor.confirmations ?? majorityOf(locations) };
}

/** The default confirmations: a majority of the locations. */
function majorityOf(locations: number): number {
  return Math.floor(locations / 2) + 1;
}

const COMMON_KEYS = new Set(Object.keys(monitorCommonSchema.shape));
const READ_ONLY_KEYS = new Set(ENTITY_FIELDS);

/**
 * Validates a whole monitor as a user sends it (create, or the merged result of a patch):
 * common fields plus the type's own fields, which its checker validates. Throws a
 * TIRELESS_VALIDATION error naming every bad field.
 */
export function parseMonitorInput(input: unknown): MonitorCommon & Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw validationError([{ field: '(body)', problem: 'must be a JSON object' }]);
  }
  const common: Record<string, unknown> = {};
  const typeFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (READ_ONLY_KEYS.has(key)) continue;
    (COMMON_KEYS.has(key) ? common : typeFields)[key] = value;
  }
  const problems: FieldProblem[] = [];
  const parsed = monitorCommonSchema.safeParse(common);
  if (!parsed.success) problems.push(...fieldProblems(parsed.error));
  const checker = typeof common.type === 'string' ? getChecker(common.type) : undefined;
  let options: Record<string, unknown> = {};
  if (checker) {
    const parsedOptions = checker.options.safeParse(typeFields);
    if (parsedOptions.success) options = parsedOptions.data as Record<string, unknown>;
    else problems.push(...fieldProblems(parsedOptions.error));
  }
  if (problems.length > 0 || !parsed.success) throw validationError(problems);
  const interval = parsed.data.intervalSeconds;
  const timeoutSeconds = parsed.data.timeoutSeconds ?? Math.min(interval, 30);
  const { locations } = parsed.data;
  const confirmations = parsed.data.confirmations ?? majorityOf(locations);
  const crossField: FieldProblem[] = [];
  if (timeoutSeconds > interval) {
    crossField.push({
      field: 'timeoutSeconds',
      problem: `must not exceed intervalSeconds (${interval})`,
    });
  }
  if (confirmations > locations) {
    crossField.push({
      field: 'confirmations',
      problem: `must not exceed locations (${locations}): a monitor cannot be confirmed down by more regions than check it`,
    });
  }
  if (crossField.length > 0) throw validationError(crossField);
  return { ...parsed.data, timeoutSeconds, confirmations, ...options };
}

/** The type's own fields of a monitor (everything that is not a common or read-only field). */
export function monitorOptions(monitor: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(monitor)) {
    if (!COMMON_KEYS.has(key) && !READ_ONLY_KEYS.has(key)) options[key] = value;
  }
  return options;
}

/** A human rendering of what the monitor checks, e.g. its URL. */
export function monitorTarget(monitor: Monitor): string {
  const checker = getChecker(monitor.type);
  return checker ? checker.target(monitorOptions(monitor)) : monitor.type;
}

/**
 * What a user sends for a channel; `config` holds the settings of its type, which the type's
 * notifier validates (its schema is their one source). With entitySchema, the one source of
 * a channel's shape.
 */
export const channelInputSchema = z
  .object({
    type: z
      .enum(CHANNEL_TYPES as [string, ...string[]], {
        message: `must be one of ${CHANNEL_TYPES.join(', ')}`,
      })
      .describe('the service the channel sends to'),
    name: z.string().trim().min(1, 'is required').max(200).describe('1–200 characters'),
    config: z.record(z.string(), z.unknown()).describe("the settings of the channel's type"),
  })
  .strict();

/** Validates a channel as a user sends it; the notifier validates `config`. */
export function parseChannelInput(input: unknown): Pick<Channel, 'type' | 'name' | 'config'> {
  const cleaned = stripReadOnly(input);
  const parsed = channelInputSchema.safeParse(cleaned);
  if (!parsed.success) throw validationError(fieldProblems(parsed.error));
  const notifier = getNotifier(parsed.data.type);
  if (!notifier) throw validationError([{ field: 'type', problem: 'unknown channel type' }]);
  const config = notifier.config.safeParse(parsed.data.config);
  if (!config.success) throw validationError(fieldProblems(config.error, 'config'));
  return { ...parsed.data, config: config.data as Record<string, unknown> };
}

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (24 h)');
/** Whether `name` is a time zone this runtime knows (IANA names such as "Europe/Berlin", "UTC"). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
const maintenanceInputSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    monitorIds: z.array(z.string().min(1)).max(10_000).nullable().default(null),
    schedule: z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.literal('once'),
          startsAt: z.number().int().nonnegative(),
          endsAt: z.number().int().nonnegative(),
        })
        .strict()
        .refine((s) => s.endsAt > s.startsAt, {
          message: 'must be after startsAt',
          path: ['endsAt'],
        }),
      z
        .object({
          kind: z.literal('recurring'),
          every: z.enum(['day', 'week']),
          weekdays: z.array(z.number().int().min(0).max(6)).default([]),
          startTime: hhmm,
          durationMinutes: z.number().int().min(1).max(10_080),
          timeZone: z
            .string()
            .max(100)
            .refine(isTimeZone, 'must be an IANA time zone name, e.g. "Europe/Berlin" or "UTC"')
            .default('UTC'),
        })
        .strict(),
    ]),
  })
  .strict();

export function parseMaintenanceInput(
  input: unknown,
): Pick<MaintenanceWindow, 'name' | 'monitorIds' | 'schedule'> {
  const parsed = maintenanceInputSchema.safeParse(stripReadOnly(input));
  if (!parsed.success) throw validationError(fieldProblems(parsed.error));
  return parsed.data;
}

function stripReadOnly(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([key]) => !READ_ONLY_KEYS.has(key)));
}

/** A note the account writes on a status page, e.g. planned maintenance. */
export interface StatusNote {
  title: string;
  body: string;
  /** When it begins (or was posted), ms since the epoch. */
  at: number;
  /** When it ends, ms since the epoch; absent: it does not end. */
  until?: number;
}

/** A public status page: some of the account's monitors, shown without login at /status/{slug}. */
export interface StatusPage extends Entity {
  slug: string;
  title: string;
  description?: string;
  monitorIds: string[];
  /** Whether the page shows what each monitor checks (its URL, host…). @defaultValue false */
  showTargets: boolean;
  /** A host name whose requests to `/` get this page (lowercase). */
  customDomain?: string;
  notes: StatusNote[];
}

/** Slugs a status page may not take: paths and words a visitor could mistake for the node's own. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'assets',
  'badge',
  'docs',
  'feed',
  'healthz',
  'login',
  'logout',
  'metrics',
  'monitors',
  'new',
  'rss',
  'settings',
  'setup',
  'static',
  'status',
  'tireless',
  'www',
]);

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const statusPageInputSchema = z
  .object({
    slug: z
      .string({ message: 'is required' })
      .min(1, 'is required')
      .max(63, 'must be at most 63 characters')
      .regex(
        /^[a-z0-9]+(-[a-z0-9]+)*$/,
        'must be lowercase letters, digits and single inner hyphens (a-z, 0-9, -)',
      )
      .refine((slug) => !RESERVED_SLUGS.has(slug), 'is a reserved word; choose another')
      .describe('the page is at /status/{slug}; unique on the node (the cluster)'),
    title: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
    description: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
    monitorIds: z
      .array(z.string().min(1), { message: 'must be a list of monitor ids' })
      .max(500, 'must be at most 500 monitors')
      .refine((ids) => new Set(ids).size === ids.length, 'must not name a monitor twice')
      .describe("the account's monitors the page shows, in this order"),
    showTargets: z
      .boolean()
      .default(false)
      .describe('whether the page shows what each monitor checks (its URL, host…)'),
    customDomain: z
      .string()
      .trim()
      .toLowerCase()
      .regex(HOST_NAME, 'must be a host name such as status.example.com (no scheme, no port)')
      .optional()
      .describe('requests with this Host get the page at /; unique on the node (the cluster)'),
    notes: z
      .array(
        z
          .object({
            title: z.string().trim().min(1, 'is required').max(200),
            body: z.string().trim().max(5000).default(''),
            at: z.number().int().nonnegative().describe('ms since the epoch'),
            until: z.number().int().nonnegative().optional().describe('ms since the epoch'),
          })
          .strict()
          .refine((note) => note.until === undefined || note.until > note.at, {
            message: 'must be after at',
            path: ['until'],
          }),
      )
      .max(50, 'must be at most 50 notes')
      .default([])
      .describe('notes the account writes, e.g. planned maintenance, newest shown first'),
  })
  .strict();

/** Validates a status page as a user sends it (create, or a patch merged onto the stored page). */
export function parseStatusPageInput(input: unknown): Omit<StatusPage, keyof Entity> {
  const parsed = statusPageInputSchema.safeParse(stripReadOnly(input));
  if (!parsed.success) throw validationError(fieldProblems(parsed.error));
  return parsed.data;
}

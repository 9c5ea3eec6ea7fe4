/**
 * The node's settings, parsed once from command-line flags and TIRELESS_* environment
 * variables (flags win; `*_FILE` variables name a file holding a secret), validated against a
 * schema that rejects unknown keys, and frozen. Nothing else reads process.env.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { TirelessError, type FieldProblem } from '../errors/index.js';
import { parseNetwork } from '../net-guard/index.js';
import { fieldProblems } from '../validation/index.js';

/** A DNS name: dot-separated labels of letters, digits and inner dashes, 253 characters at most. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Loopback and private networks: where a Prometheus server of one's own scrapes from. */
const PRIVATE_NETWORKS = '127.0.0.0/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7';

/** `open`, `token` or `network:<IPs or CIDRs>`: who may read a system route. */
const systemAccess = z.string().transform((text, context) => {
  const value = text.trim();
  if (value === 'open') return { kind: 'open' } as const;
  if (value === 'token') return { kind: 'token' } as const;
  if (value.startsWith('network:')) {
    const networks = value
      .slice('network:'.length)
      .split(',')
      .map((network) => network.trim())
      .filter(Boolean);
    const bad = networks.map(parseNetwork).filter((n): n is string => typeof n === 'string');
    for (const problem of bad) context.addIssue({ code: 'custom', message: problem });
    if (networks.length === 0)
      context.addIssue({ code: 'custom', message: 'network: names at least one IP or CIDR' });
    return { kind: 'network', networks } as const;
  }
  context.addIssue({
    code: 'custom',
    message: `must be open, token or network:<IPs or CIDRs> (got ${JSON.stringify(value.slice(0, 40))})`,
  });
  return z.NEVER;
});

/**
 * `smtp://` or `smtps://` (TLS from the first byte), with `user:password@` when the server
 * asks for a login, a host and a port (default 587, or 465 for smtps). Problems never quote
 * the URL: it may hold a password.
 */
const smtpUrl = z.string().transform((text, context) => {
  const fail = (message: string) => {
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return fail('is not a URL: smtp://[user:password@]host[:port] or smtps://…');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    return fail(`must begin smtp:// or smtps:// (got ${url.protocol}//)`);
  }
  if (url.hostname === '') return fail('names no host');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    return fail('takes no path, query or fragment: smtp://[user:password@]host[:port]');
  }
  if ((url.username === '') !== (url.password === '')) {
    return fail('needs both a user and a password, or neither');
  }
  const secure = url.protocol === 'smtps:';
  let login: { username: string; password: string } | undefined;
  try {
    login =
      url.username === ''
        ? undefined
        : {
            username: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
          };
  } catch {
    return fail('has a user or password that is not valid percent-encoding');
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...login,
  };
});

/** An http(s) URL without query or fragment, kept without its trailing slash. */
const publicUrl = z.string().transform((text, context) => {
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    context.addIssue({
      code: 'custom',
      message: 'must be an http:// or https:// URL without login, query or fragment',
    });
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, '');
});

const settingsSchema = z
  .object({
    /** Where the database, node id and secret key live. @defaultValue ./tireless-data */
    dataDir: z.string().min(1).default('./tireless-data'),
    /** HTTP port. @defaultValue 3000 */
    port: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Address to listen on; 0.0.0.0 for every interface. @defaultValue 127.0.0.1 */
    host: z.string().min(1).default('127.0.0.1'),
    /** The region this node checks from, recorded with every result. @defaultValue local */
    region: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes')
      .default('local'),
    /** Days raw results and minute rollups are kept; hour and day rollups stay. @defaultValue 30 */
    retentionDays: z.coerce.number().int().min(1).max(3650).default(30),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** 64 hex characters; default: a key generated into the data dir on first start. */
    secretKey: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
      .optional(),
    /** `open` lets anyone create an account; `closed` only the first setup. @defaultValue closed */
    signup: z.enum(['open', 'closed']).default('closed'),
    /**
     * The SSRF guard: checks and notifications refuse private, loopback, link-local and every
     * other special-purpose address (see net-guard). Unset: off with closed sign-up; open
     * sign-up needs it on, or allowPrivateTargets. @defaultValue unset
     */
    blockPrivateTargets: z.boolean().optional(),
    /** Open sign-up without the SSRF guard, on purpose. @defaultValue false */
    allowPrivateTargets: z.boolean().default(false),
    /**
     * Networks the SSRF guard lets through all the same (comma-separated IPs or CIDRs, e.g.
     * the provider's own status page). @defaultValue none
     */
    blockPrivateTargetsExcept: z
      .string()
      .transform((text) =>
        text
          .split(',')
          .map((network) => network.trim())
          .filter(Boolean),
      )
      .superRefine((networks, context) => {
        for (const network of networks.map(parseNetwork)) {
          if (typeof network === 'string') context.addIssue({ code: 'custom', message: network });
        }
      })
      .default([]),
    /** Largest request body, bytes. @defaultValue 1 MiB */
    bodyLimitBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(1_048_576),
    /**
     * Worker threads that run checks; 0 runs them on the main thread. One per core measured
     * best even on 2 cores: the main thread's share (scheduling, SQLite) is small.
     * @defaultValue one per core, at most 8
     */
    checkWorkers: z.coerce
      .number()
      .int()
      .min(0)
      .max(64)
      .default(() => Math.min(8, availableParallelism())),
    /**
     * Checks handed to the check threads and not yet started there, at most: a check that
     * has started and waits on a slow target no longer counts (in flight at most: 4 × this).
     * @defaultValue 2000
     */
    maxConcurrentChecks: z.coerce.number().int().min(1).max(50_000).default(2000),
    /**
     * How far V8 lets each thread's heap grow past what its last full collection kept, %
     * (every thread: main and check workers); 0 leaves it to V8, which lets the main thread's
     * heap (its limit is the machine's, ~4 GB) grow to up to 4 × its live size. Not a cap: a
     * thread that holds more monitors gets a larger heap; the cost is more frequent full
     * collections, mostly marked on V8's background threads. The check threads grow about
     * 1.4 × either way (CHECK_THREAD_OLD_SPACE_MB), so this is the main thread's lever: with
     * 30,000 monitors at 10 s its live data is ~70 MB and V8's own let it reach ~250 MB.
     * @defaultValue 50
     */
    heapGrowthPercent: z.coerce.number().int().min(0).max(300).default(50),
    /**
     * Each check thread's young generation, MB (V8 makes its semi-spaces a third of it). A
     * check's objects that outlive two young collections are copied to the old space; against
     * targets that answer in hundreds of milliseconds more of them do, so a larger one spends
     * less CPU and more memory. At 30,000 monitors at 10 s against targets answering after
     * 200–1200 ms: 96 gave node CPU 97 % against 117 % at 12, RSS 510 against 401 MB; against
     * targets answering at once, RSS 435 against 344 MB and the same CPU.
     * @defaultValue 12
     */
    checkThreadYoungMb: z.coerce.number().int().min(3).max(512).default(12),
    /**
     * Addresses of reverse proxies whose X-Forwarded-For is trusted (comma-separated IPs or
     * CIDRs); empty: none. @defaultValue ''
     */
    trustedProxies: z.string().default(''),
    /**
     * Host names (or IPs) this node is reached by, besides loopback and its own interfaces'
     * addresses, comma-separated, e.g. `tireless.example.com`: first-run setup answers only
     * to these in the request's Host (no DNS rebinding). Behind a reverse proxy, the public
     * name. @defaultValue none
     */
    allowedHosts: z
      .string()
      .transform((text) =>
        text
          .split(',')
          .map((host) =>
            host
              .trim()
              .toLowerCase()
              .replace(/^\[(.*)\]$/, '$1')
              .replace(/\.$/, ''),
          )
          .filter(Boolean),
      )
      .superRefine((hosts, context) => {
        for (const host of hosts.filter((h) => isIP(h) === 0 && !HOST_NAME.test(h))) {
          context.addIssue({
            code: 'custom',
            message: `${JSON.stringify(host)} is not a host name or IP address (no scheme, port, path or wildcard)`,
          });
        }
      })
      .default([]),
    /**
     * Quotas of every account but the operator's (the one setup made, which has none), unless
     * the operator sets an account's own; 0: no limit. Monitors an account may have.
     * @defaultValue 50
     */
    quotaMonitors: z.coerce.number().int().min(0).max(10_000_000).default(50),
    /** Quota: the smallest check interval, seconds. @defaultValue 60 */
    quotaMinIntervalSeconds: z.coerce.number().int().min(0).max(86_400).default(60),
    /** Quota: the largest response body an HTTP check reads, bytes. @defaultValue 1048576 (1 MiB) */
    quotaMaxBodyBytes: z.coerce.number().int().min(0).max(67_108_864).default(1_048_576),
    /** Quota: notification channels an account may have. @defaultValue 10 */
    quotaChannels: z.coerce.number().int().min(0).max(10_000_000).default(10),
    /** Quota: authenticated API requests per account per minute, across a cluster. @defaultValue 600 */
    quotaApiRequestsPerMinute: z.coerce.number().int().min(0).max(10_000_000).default(600),
    /** Quota: push heartbeats per account per minute, across a cluster. @defaultValue 300 */
    quotaPushRequestsPerMinute: z.coerce.number().int().min(0).max(10_000_000).default(300),
    /**
     * Who may read `/metrics`: `open`, `token` (the bearer token metricsToken), or
     * `network:<IPs or CIDRs, comma-separated>` (the client's address, behind trusted
     * proxies). @defaultValue network: loopback and private networks (127.0.0.0/8, ::1,
     * 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7)
     */
    metricsAccess: systemAccess.prefault(`network:${PRIVATE_NETWORKS}`),
    /** Who may read the API docs (`/api/docs`), as metricsAccess. @defaultValue open */
    docsAccess: systemAccess.prefault('open'),
    /** The token metricsAccess=token and docsAccess=token ask for (16 characters or more). */
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /**
     * PEM files: a certificate (chain) and its private key, to serve HTTPS without a reverse
     * proxy. Read at start; a renewed certificate takes a restart. @defaultValue none: HTTP
     */
    tlsCert: z.string().min(1).optional(),
    tlsKey: z.string().min(1).optional(),
    /**
     * The node's own mail server, for invitations by email: `smtp://[user:password@]host[:port]`
     * (STARTTLS when offered) or `smtps://…` (TLS from the start); best through
     * TIRELESS_SMTP_URL_FILE, as it may hold a password. @defaultValue none: invitations are
     * links only
     */
    smtpUrl: smtpUrl.optional(),
    /** The sender of the node's mail (needed with smtpUrl), e.g. `tireless@example.com`. */
    mailFrom: z.email('must be an email address').optional(),
    /**
     * The address users reach the app at, e.g. `https://status.example.com` (needed with
     * smtpUrl): the links mails carry begin with it. @defaultValue none
     */
    publicUrl: publicUrl.optional(),
    /** Login/setup attempts per client address per minute. @defaultValue 10 */
    authRateLimitPerMinute: z.coerce.number().int().min(1).max(100_000).default(10),
    /**
     * A login session not used for this long ends, minutes (at least 15: use is recorded
     * every 5 minutes). A week keeps a weekly visitor logged in, and ends a session forgotten
     * on a shared computer or stolen from one within days. @defaultValue 10080 (7 days)
     */
    sessionIdleMinutes: z.coerce.number().int().min(15).max(525_600).default(10_080),
    /** A login session ends this long after login, used or not, days. @defaultValue 30 */
    sessionMaxAgeDays: z.coerce.number().int().min(1).max(365).default(30),
    /**
     * Cluster mode: the NATS servers of the JetStream cluster, comma-separated
     * (`nats://a:4222,nats://b:4222`; `tls://` for TLS). Absent: solo.
     */
    cluster: z
      .string()
      .transform((text) =>
        text
          .split(',')
          .map((url) => url.trim())
          .filter(Boolean),
      )
      .superRefine((urls, context) => {
        if (urls.length === 0)
          context.addIssue({ code: 'custom', message: 'must name at least one server' });
        for (const url of urls.filter((u) => !/^(nats|tls):\/\/[^\s/]+$/.test(u))) {
          context.addIssue({
            code: 'custom',
            message: `${url} is not nats://host:port or tls://host:port`,
          });
        }
      })
      .optional(),
    /**
     * This node's name in the cluster; kept in the data dir, so a node restarted on its data
     * dir is the same node. @defaultValue node-<random>, chosen on first start
     */
    nodeId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes')
      .optional(),
    /** NATS credentials file (JWT + nkey seed), as `nsc` writes it. */
    natsCreds: z.string().min(1).optional(),
    /** A file holding a NATS user nkey seed (`SU…`), as `nk -gen user` writes it. */
    natsNkey: z.string().min(1).optional(),
    /** NATS user and password (the password best through TIRELESS_NATS_PASSWORD_FILE). */
    natsUser: z.string().min(1).optional(),
    natsPassword: z.string().min(1).optional(),
    /** PEM files: the CA that signed the NATS servers' certificates; a client certificate and key. */
    natsTlsCa: z.string().min(1).optional(),
    natsTlsCert: z.string().min(1).optional(),
    natsTlsKey: z.string().min(1).optional(),
    /** How often a node says it is alive, ms. @defaultValue 1000 */
    heartbeatMs: z.coerce.number().int().min(50).max(60_000).default(1000),
    /** A node not heard for this long is dead and its work moves, ms. @defaultValue 3000 */
    deadAfterMs: z.coerce.number().int().min(150).max(600_000).default(3000),
    /**
     * How long a node whose data dir holds a replica waits for the cluster at start (and at
     * each later try to join) before it goes on in island mode, ms. @defaultValue 10000
     */
    islandAfterMs: z.coerce.number().int().min(1000).max(600_000).default(10_000),
    /**
     * How often one node of the cluster publishes a snapshot of its replica (for nodes that
     * join with an empty data dir, or after the results stream dropped what they missed),
     * ms. @defaultValue 21600000 (6 h)
     */
    snapshotIntervalMs: z.coerce
      .number()
      .int()
      .min(1000)
      .max(30 * 86_400_000)
      .default(21_600_000),
  })
  .strict();

type ParsedSettings = z.output<typeof settingsSchema>;
export type Settings = Readonly<
  Omit<ParsedSettings, 'blockPrivateTargets'> & {
    /** Whether the SSRF guard is on: blockPrivateTargets as given, else off. */
    blockPrivateTargets: boolean;
  }
>;
export type SettingsInput = z.input<typeof settingsSchema>;

/** Environment variable for each setting, e.g. TIRELESS_DATA_DIR for dataDir. */
export function envName(key: string): string {
  return 'TIRELESS_' + key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/**
 * Settings from flags (already parsed, undefined when absent) over environment variables
 * over defaults. Throws TIRELESS_CONFIG naming each bad setting and where it came from.
 */
export function loadSettings(
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Settings {
  const merged: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(settingsSchema.shape)) {
    const fromFile = env[`${envName(key)}_FILE`];
    if (fromFile !== undefined) {
      try {
        merged[key] = readFileSync(fromFile, 'utf8').trim();
      } catch (error) {
        problems.push({
          field: `${envName(key)}_FILE`,
          problem: `cannot read ${fromFile}: ${String(error)}`,
        });
      }
    }
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') merged[key] = fromEnv;
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) merged[key] = value;
  problems.push(...strictValues(merged));
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) problems.push(...fieldProblems(parsed.error));
  else problems.push(...clusterProblems(parsed.data), ...guardProblems(parsed.data));
  if (problems.length > 0 || !parsed.success) {
    const text = problems.map((p) => `${p.field} (${envName(p.field)}): ${p.problem}`).join('; ');
    throw new TirelessError('TIRELESS_CONFIG', `bad setting: ${text}`, { fields: problems });
  }
  return Object.freeze({
    ...parsed.data,
    blockPrivateTargets: parsed.data.blockPrivateTargets ?? false,
  });
}

const WHOLE_NUMBER = /^-?\d+$/;
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

/**
 * Turns the text of number and boolean settings (from the environment, files and flags)
 * into values, in place, strictly: whole numbers in decimal digits only (no 1e3, 0x10, 1_000
 * or units), booleans only as true/false, 1/0, yes/no or on/off. zod's coercion would read
 * "yes-please" as true and "1e3" as 1000; anything else is a problem naming the setting.
 */
function strictValues(merged: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(merged)) {
    const kind = Object.hasOwn(settingsSchema.shape, key)
      ? kindOf(settingsSchema.shape[key as keyof typeof settingsSchema.shape])
      : undefined;
    if (typeof value !== 'string' || kind === undefined) continue;
    const parsed = kind === 'number' ? wholeNumber(value) : BOOLEAN_WORDS[value.toLowerCase()];
    if (parsed !== undefined) {
      merged[key] = parsed;
      continue;
    }
    const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    const wanted =
      kind === 'number'
        ? 'a whole number in decimal digits'
        : 'true or false (or 1/0, yes/no, on/off)';
    problems.push({ field: key, problem: `must be ${wanted} (got ${shown})` });
    // Reported once, here, not again by the schema.
    delete merged[key];
  }
  return problems;
}

function wholeNumber(text: string): number | undefined {
  return WHOLE_NUMBER.test(text) ? Number(text) : undefined;
}

/** Whether a setting takes a number or a boolean (seen through default and optional). */
function kindOf(schema: z.ZodType): 'number' | 'boolean' | undefined {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) {
    inner = inner.unwrap() as z.ZodType;
  }
  if (inner instanceof z.ZodNumber) return 'number';
  return inner instanceof z.ZodBoolean ? 'boolean' : undefined;
}

/**
 * Open sign-up lets strangers make the node send requests; the SSRF guard must be on, or
 * turned off on purpose.
 */
function guardProblems(settings: ParsedSettings): FieldProblem[] {
  const { signup, blockPrivateTargets, allowPrivateTargets, blockPrivateTargetsExcept } = settings;
  if (blockPrivateTargets === true && allowPrivateTargets) {
    return [
      {
        field: 'allowPrivateTargets',
        problem: 'contradicts blockPrivateTargets; give one of them',
      },
    ];
  }
  if (signup === 'open' && blockPrivateTargets !== true && !allowPrivateTargets) {
    return [
      {
        field: 'blockPrivateTargets',
        problem:
          "open sign-up lets anyone add checks and webhooks that reach this server's own " +
          'network: turn the guard on (--block-private-targets, TIRELESS_BLOCK_PRIVATE_TARGETS=true) ' +
          'or, if private targets are meant, say so with allowPrivateTargets ' +
          '(--allow-private-targets, TIRELESS_ALLOW_PRIVATE_TARGETS=true)',
      },
    ];
  }
  if (blockPrivateTargetsExcept.length > 0 && blockPrivateTargets !== true) {
    return [
      {
        field: 'blockPrivateTargetsExcept',
        problem: 'names exceptions to blockPrivateTargets, which is not on',
      },
    ];
  }
  return [];
}

/** Settings that only make sense together. */
function clusterProblems(settings: z.output<typeof settingsSchema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if ((settings.natsUser === undefined) !== (settings.natsPassword === undefined)) {
    problems.push({ field: 'natsPassword', problem: 'natsUser and natsPassword go together' });
  }
  const ways = (['natsCreds', 'natsNkey', 'natsUser'] as const).filter(
    (k) => settings[k] !== undefined,
  );
  if (ways.length > 1) {
    problems.push({
      field: ways[1] as string,
      problem: `give one way to sign in to NATS: natsCreds, natsNkey or natsUser (given: ${ways.join(', ')})`,
    });
  }
  if (settings.smtpUrl !== undefined) {
    for (const field of ['mailFrom', 'publicUrl'] as const) {
      if (settings[field] === undefined) {
        problems.push({ field, problem: 'is needed with smtpUrl (the mail it sends)' });
      }
    }
  }
  if ((settings.tlsCert === undefined) !== (settings.tlsKey === undefined)) {
    problems.push({ field: 'tlsKey', problem: 'tlsCert and tlsKey go together' });
  }
  if ((settings.natsTlsCert === undefined) !== (settings.natsTlsKey === undefined)) {
    problems.push({ field: 'natsTlsKey', problem: 'natsTlsCert and natsTlsKey go together' });
  }
  for (const field of ['metricsAccess', 'docsAccess'] as const) {
    if (settings[field].kind === 'token' && settings.metricsToken === undefined) {
      problems.push({
        field,
        problem: 'is token, but no metricsToken is set (TIRELESS_METRICS_TOKEN or _FILE)',
      });
    }
  }
  if (settings.deadAfterMs < 2 * settings.heartbeatMs) {
    problems.push({
      field: 'deadAfterMs',
      problem: `must be at least twice heartbeatMs (${settings.heartbeatMs} ms), or one late heartbeat kills a node`,
    });
  }
  return problems;
}

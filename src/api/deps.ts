import type { Logger } from 'pino';
import type { MaintenanceCalendar } from '../alerts/index.js';
import type { Clock } from '../clock/index.js';
import type { ClusterStatus, ConfigWriter, RateCounter } from '../cluster/index.js';
import type { EventHub } from '../events/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Quotas } from '../model/index.js';
import type { SmtpServer } from '../notify/index.js';
import type { PasswordHasher, SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import type { FailureLimit } from './failure-limit.js';

/** Everything the HTTP API needs from its node; built by the node, passed to buildApi. */
export interface ApiDeps {
  store: Store;
  config: ConfigWriter;
  /** The node's maintenance windows, the same cache its judge reads. */
  maintenance: MaintenanceCalendar;
  secrets: SecretBox;
  /** The node's judged results, for `GET /api/v1/events`. */
  events: EventHub;
  clock: Clock;
  metrics: Metrics;
  log: Logger;
  node: { id: string; region: string; version: string };
  settings: ApiSettings;
  /**
   * Hashes and checks passwords (on a worker thread of its own). @defaultValue the process's
   * shared hasher, at OWASP_SCRYPT
   */
  passwords?: PasswordHasher;
  /** Set while the node writes to a fresh store because its database is damaged (/healthz). */
  degraded?(): { reason: string; recovery: string } | undefined;
  /** Cluster mode: this node's view of the cluster (`GET /api/v1/cluster`). */
  cluster?(): Promise<ClusterStatus>;
  /**
   * The node's own mail (settings smtpUrl, mailFrom, publicUrl): invitations are mailed too.
   * Absent: invitations are links only.
   */
  mail?: NodeMail;
  /**
   * Cluster mode: the rate quotas (API and push requests a minute) counted across the
   * cluster. Absent (solo): counted in this process.
   */
  rates?: RateCounter;
  /** Deliveries were queued (a channel test): send them now rather than at the next poll. */
  wakeDeliverer(): void;
}

export interface NodeMail {
  server: SmtpServer;
  /** Where users reach the app, without a trailing slash: links in mails begin with it. */
  publicUrl: string;
  /** How long one mail may take before it counts as not sent, ms. @defaultValue 10_000 */
  timeoutMs?: number;
}

/**
 * Who may read a system route: anyone; a caller sending `token` as a bearer token; or callers
 * whose address (the client's, behind trusted proxies) is in `networks` (IPs or CIDRs).
 */
export type SystemAccess =
  | { kind: 'open' }
  | { kind: 'token'; token: string }
  | { kind: 'network'; networks: readonly string[] };

export interface ApiSettings {
  /** Largest accepted request body, bytes. @defaultValue 1_048_576 */
  bodyLimitBytes: number;
  /** `open`: anyone may sign up for a new account after setup; `closed`: only setup. @defaultValue 'closed' */
  signup: 'open' | 'closed';
  /** Login and setup attempts per client address per window. @defaultValue 10 per 60_000 ms */
  authRateLimit: { max: number; windowMs: number };
  /**
   * Failed logins per email per window, from any address, on this node; past them that
   * email's logins are refused (429) until the window ends. @defaultValue 10 per 15 minutes
   */
  loginFailuresPerEmail?: FailureLimit;
  /**
   * Requests with a bearer token or session cookie this node does not know (each may cost a
   * read of the cluster's config) per client address per window; past them, 429 until the
   * window ends. Known tokens are never held back. @defaultValue 60 per 60_000 ms
   */
  unknownTokensPerAddress?: FailureLimit;
  /**
   * A session's maximum age: it ends this long after login, used or not, ms (the session
   * cookie's Max-Age too). @defaultValue 30 days
   */
  sessionTtlMs: number;
  /** A session not used for this long ends, ms. @defaultValue 7 days */
  sessionIdleMs: number;
  /**
   * The node's retention, whole days (setting retentionDays): the most an account's own
   * retention may be. @defaultValue 30
   */
  retentionDays: number;
  /**
   * Behind a reverse proxy: trust X-Forwarded-For from these addresses (comma-separated IPs
   * or CIDRs; Fastify's trustProxy), so rate limits apply per real client. @defaultValue false
   */
  trustProxy: boolean | string;
  /**
   * The one-time code first-run setup requires (setupCodeFor makes one when others can reach
   * the node); absent: setup asks for none. @defaultValue none
   */
  setupCode?: string;
  /**
   * Host names and IPs, besides loopback and the node's own addresses, that setup answers to
   * (setting allowedHosts; lowercase). @defaultValue []
   */
  allowedHosts?: readonly string[];
  /**
   * The quotas of every account but the operator's, unless the operator set its own (0: no
   * limit; settings `quota*`). @defaultValue no limits
   */
  quotas?: Readonly<Quotas>;
  /**
   * Serve HTTPS with this certificate chain and private key (PEM), read at start: a changed
   * certificate takes a restart. @defaultValue none: plain HTTP (TLS at a reverse proxy)
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Who may read `/metrics` (setting metricsAccess). @defaultValue open */
  metricsAccess?: SystemAccess;
  /** Who may read the API docs, `/api/docs` (setting docsAccess). @defaultValue open */
  docsAccess?: SystemAccess;
  /** Between comment lines on an idle event stream, so proxies keep it open, ms. @defaultValue 15_000 */
  eventHeartbeatMs?: number;
  /** A public status page's view is computed at most once per this long, ms. @defaultValue 15_000 */
  statusPageTtlMs?: number;
  /**
   * An account's monitor list and summary answers are shared by its readers this long, ms
   * (see SharedReads); 0 computes each read afresh. @defaultValue 5_000
   */
  sharedReadTtlMs?: number;
}

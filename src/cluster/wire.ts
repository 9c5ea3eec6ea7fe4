import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Clock } from '../clock/index.js';

/**
 * The message version this node writes and reads, on every Tireless subject (heartbeats,
 * result batches) and in the config bucket (its entries). The rule, so that a node of the
 * previous release keeps working beside a newer one during a rolling upgrade:
 *
 * - every message is a JSON object with `v`, the major version of its format (a message
 *   without `v` is version 1: heartbeats and config entries of the first releases carried
 *   none);
 * - within a major, a format only gains optional fields, and a reader ignores the fields it
 *   does not know;
 * - a release that introduces major N reads N and N-1 and still writes N-1; the next
 *   release writes N. So nodes one release apart always read what the other writes;
 * - a message of a major newer than the node reads is never dropped: it is logged, counted
 *   and kept (a result batch stays in the stream and its position is parked in the replica,
 *   a config entry stays in the bucket and its key is parked, the replica keeping the
 *   entity as it was; both are read again after the upgrade); the envelope of a heartbeat (`v`, `node`, `region`,
 *   `leaving`) means the same in every major, so its sender still counts as alive.
 */
export const WIRE_VERSION = 1;

/** The oldest major this node still reads. */
export const OLDEST_READ_VERSION = Math.max(1, WIRE_VERSION - 1);

/** What a message decoded to. */
export type Decoded<T> =
  | { outcome: 'ok'; value: T; v: number }
  /** A major newer than this node reads: keep it, log it, do not drop it. */
  | { outcome: 'newer'; v: number; json: Record<string, unknown> }
  /** Garbage: too large, not JSON, not an object, or not this format. */
  | { outcome: 'rejected'; reason: string };

/**
 * Decodes one message: size first (before any parsing), then JSON, then `v`, then the
 * schema of that major. Pure; never throws.
 */
export function decodeVersioned<T>(
  data: Uint8Array,
  format: {
    /** What the message is, for reasons: "heartbeat". */
    what: string;
    /** Largest message read, bytes. */
    maxBytes: number;
    /** The schema of each major this node reads. */
    readers: Readonly<Record<number, z.ZodType<T>>>;
  },
): Decoded<T> {
  if (data.length > format.maxBytes) {
    return {
      outcome: 'rejected',
      reason: `${format.what} of ${data.length} bytes, more than ${format.maxBytes}`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return { outcome: 'rejected', reason: `${format.what} is not JSON (${data.length} bytes)` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { outcome: 'rejected', reason: `${format.what} is not a JSON object` };
  }
  const fields = json as Record<string, unknown>;
  const v = fields.v ?? 1;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    return { outcome: 'rejected', reason: `${format.what} has no valid version (v)` };
  }
  if (v > WIRE_VERSION) return { outcome: 'newer', v, json: fields };
  const reader = format.readers[v];
  if (v < OLDEST_READ_VERSION || reader === undefined) {
    return {
      outcome: 'rejected',
      reason: `${format.what} of version ${v}, older than this node reads (${OLDEST_READ_VERSION})`,
    };
  }
  const parsed = reader.safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return {
      outcome: 'rejected',
      reason: `not a ${format.what}: ${at}${issue?.message ?? 'invalid'}`,
    };
  }
  return { outcome: 'ok', value: parsed.data, v };
}

/** Where messages come from, as counted in `GET /api/v1/cluster` and the metric. */
export type WireSource = 'heartbeats' | 'results' | 'config';

/** Messages passed over, by source; `newer`: of a newer major, kept (see WIRE_VERSION). */
export interface WireCounts {
  rejected: Record<WireSource, number>;
  newer: Record<WireSource, number>;
}

/**
 * Counts the messages a node passes over and logs them, at most one line per source and
 * kind every `everyMs` (a flood of garbage must not flood the log), with how many were
 * passed over since the last line.
 */
export class WireLog {
  private readonly counts: WireCounts = {
    rejected: { heartbeats: 0, results: 0, config: 0 },
    newer: { heartbeats: 0, results: 0, config: 0 },
  };
  private readonly lastLogAt = new Map<string, { at: number; counted: number }>();

  /** @param everyMs - at most one log line per source and kind this often, ms. @defaultValue 10_000 */
  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly everyMs = 10_000,
  ) {}

  /** A garbage message: counted, logged (rate-limited) with `details`. */
  rejected(source: WireSource, reason: string, details: Record<string, unknown> = {}): void {
    this.note('rejected', source, { ...details, reason });
  }

  /** A message of a newer major: counted, logged (rate-limited); the caller keeps it. */
  newer(source: WireSource, v: number, details: Record<string, unknown> = {}): void {
    this.note('newer', source, { ...details, v, reads: WIRE_VERSION });
  }

  /** Totals since the node started. */
  get totals(): WireCounts {
    return { rejected: { ...this.counts.rejected }, newer: { ...this.counts.newer } };
  }

  private note(kind: keyof WireCounts, source: WireSource, details: Record<string, unknown>) {
    const total = ++this.counts[kind][source];
    const key = `${kind}:${source}`;
    const now = this.clock.now();
    const last = this.lastLogAt.get(key);
    if (last && now - last.at < this.everyMs) return;
    this.lastLogAt.set(key, { at: now, counted: total });
    const since = total - (last?.counted ?? 0);
    this.log.warn(
      { source, total, sinceLastLine: since, ...details },
      kind === 'rejected'
        ? `malformed ${source} message passed over`
        : `${source} message of a newer version than this node reads: kept, not applied (upgrade this node)`,
    );
  }
}

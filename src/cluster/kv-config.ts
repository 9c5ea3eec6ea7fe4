import type { Logger } from 'pino';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { z } from 'zod';
import { systemClock } from '../clock/index.js';
import { describeError, notFound, TirelessError } from '../errors/index.js';
import type { ConfigChange, ConfigKind, Store } from '../store/index.js';
import {
  claimHolder,
  revisionConflict,
  UNIQUE_NAME,
  type ConfigDoc,
  type ConfigWriter,
  type NewDoc,
  type UniqueName,
} from './ports.js';
import { settlesWithin } from './connection.js';
import { kvCompareAndSet, KvWriteFailed, type KvExpectation } from './kv-cas.js';
import { decodeVersioned, WIRE_VERSION, WireLog, type Decoded } from './wire.js';

const KINDS: ReadonlySet<string> = new Set<ConfigKind>([
  'account',
  'user',
  'membership',
  'invitation',
  'token',
  'monitor',
  'channel',
  'maintenance',
  'status-page',
]);
/** KV keys are NATS subject tokens: ids and account ids must be plain tokens. */
const KEY_TOKEN = /^[A-Za-z0-9_-]+$/;
/** Where this replica got to in the bucket, kept with the replica. */
const APPLIED_META = 'config_kv_revision';
/** Keys whose latest entry is of a newer version than this node reads (see WIRE_VERSION). */
const PARKED_META = 'parked_config';
/** Keys of unique-name claims in the bucket (not entities: the replica skips them). */
const CLAIM_KEY_PREFIX = 'unique.';
/** Largest config entry applied, bytes (API bodies are at most 1 MiB). */
export const MAX_CONFIG_ENTRY_BYTES = 1_048_576;
/** How long `caughtUp` waits for the bucket, ms (no quorum: answer from the replica as is). */
const CATCH_UP_TIMEOUT_MS = 2000;

/**
 * A config entry's value, version 1: the entity's document as the API wrote it, without its
 * revision (the entry's own) and with `v`. Unknown fields are the entity's: all are kept.
 */
const entrySchema = z.looseObject({ id: z.string(), accountId: z.string() });

export interface KvConfigWriterOptions {
  kv: KV;
  /** The bucket's name (its stream is `KV_<bucket>`). */
  bucket: string;
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: Store;
  log: Logger;
  /** Called after every applied change, also those of the catch-up in `open`. */
  onChange?: (change: ConfigChange) => void;
  /** Counts and logs malformed entries. @defaultValue a WireLog of its own */
  wire?: WireLog;
  /**
   * A unique name claimed for an entity this replica does not hold is taken over after
   * this long (its claimer died before writing it), ms. @defaultValue 60_000
   */
  claimGraceMs?: number;
}

/** The bucket revision a replica has applied (0: it never held config from a cluster). */
export function replicaRevision(store: Store): number {
  return Number(store.getMeta(APPLIED_META) ?? 0);
}

/**
 * Config in a JetStream KV bucket, one key per entity (`kind.accountId.id`). Every node
 * watches the bucket and applies each entry to its SQLite replica with the entry's revision
 * (the bucket's sequence: opaque, increasing per key); a delete marker becomes a tombstone.
 * A write resolves once this node's replica has applied it (read your writes).
 *
 * Writes are compare-and-set on the revision the caller read. Not through the KV's own
 * per-key check: on a clustered stream nats-server before 2.9.21 checks
 * `Nats-Expected-Last-Subject-Sequence` only before proposing, so concurrent updates with
 * the same revision can all win (nats-server issue 4320; measured on 2.9.10: 50 of 50).
 * The stream-wide `Nats-Expected-Last-Sequence` is checked against in-flight proposals, so
 * a write reads the bucket's last sequence S, then the key's latest revision (both from the
 * stream leader), and publishes expecting S: it lands only if nothing at all was written
 * since it read the key. A write elsewhere in the bucket meanwhile means read and try again.
 */
export class KvConfigWriter implements ConfigWriter {
  private readonly listeners: ((change: ConfigChange) => void)[];
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private applied: number;
  /** What the bucket held at the last `checkWatch` (0: not checked yet). */
  private bucketAtLastCheck = 0;
  private stopWatch: (() => void) | null = null;
  private readonly wire: WireLog;
  private retried = 0;
  /** One bucket read shared by the `caughtUp` calls that arrive while it is out. */
  private nextCatchUp: Promise<void> | null = null;
  private catchingUp: Promise<void> = Promise.resolve();
  /** Keys kept aside: their latest entry is of a newer version (kept in the replica's meta). */
  private readonly parked: Set<string>;

  private constructor(private readonly options: KvConfigWriterOptions) {
    this.applied = replicaRevision(options.store);
    this.parked = new Set(JSON.parse(options.store.getMeta(PARKED_META) ?? '[]') as string[]);
    this.listeners = options.onChange ? [options.onChange] : [];
    this.wire = options.wire ?? new WireLog(options.log, systemClock);
  }

  /**
   * Opens the writer and resolves once the replica holds everything the bucket held when
   * it was called: a node applies the config before it checks or judges anything.
   */
  static async open(options: KvConfigWriterOptions): Promise<KvConfigWriter> {
    const writer = new KvConfigWriter(options);
    await writer.watch();
    return writer;
  }

  /** Compare-and-sets tried again because another write landed first. */
  get retries(): number {
    return this.retried;
  }

  /** The bucket revision this replica has applied up to. */
  get appliedRevision(): number {
    return this.applied;
  }

  async put<T extends ConfigDoc>(
    kind: ConfigKind,
    doc: NewDoc<T>,
    expectedRevision: number,
    unique: readonly UniqueName[] = [],
  ): Promise<T> {
    const current = this.options.store.getConfig<ConfigDoc>(kind, doc.id);
    if (current && current.accountId !== doc.accountId) {
      throw notFound(kind);
    }
    const key = keyOf(kind, doc.accountId, doc.id);
    // The bucket assigns the revision; a stale one in the body must not travel.
    const body: Record<string, unknown> = { ...doc };
    delete body.revision;
    // `v` is the entry's format version, never an entity's field.
    delete body.v;
    const holder = claimHolder(kind, doc.accountId, doc.id);
    // Claims in name order, so two writers wanting the same names meet at the first.
    const claimed: { name: string; revision: number }[] = [];
    let revision: number;
    try {
      for (const name of [...unique].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const made = await this.claim(name, holder);
        if (made !== undefined) claimed.push({ name: name.name, revision: made });
      }
      revision = await this.compareAndSet(
        `the ${kind}`,
        key,
        ({ revision: current }) => {
          if (current !== expectedRevision) {
            throw revisionConflict(kind, doc.id, expectedRevision, current);
          }
          return true;
        },
        JSON.stringify({ ...body, v: WIRE_VERSION }),
      );
    } catch (error) {
      // A write that timed out may still land: its claims stay (the grace time frees them
      // if it never does). Any other failure wrote nothing, so they go now.
      const mayLand = error instanceof TirelessError && error.code === 'TIRELESS_UNAVAILABLE';
      if (!mayLand) await this.release(claimed);
      throw error;
    }
    await this.appliedUpTo(revision);
    return { ...body, revision } as unknown as T;
  }

  /**
   * Reads the bucket's last revision and waits until the replica applied it, at most
   * CATCH_UP_TIMEOUT_MS in all; never fails (without quorum the replica answers as it is).
   * Calls made while a read is out share the next one, so a flood of lookups that miss
   * (unknown tokens, push heartbeats to nowhere) costs one request at a time.
   */
  async caughtUp(): Promise<void> {
    this.nextCatchUp ??= this.catchingUp.then(() => {
      this.nextCatchUp = null;
      return this.catchUpOnce();
    });
    this.catchingUp = this.nextCatchUp;
    // The shared read may start only when the one out now ends: bound the wait, not the read.
    await settlesWithin(this.nextCatchUp, CATCH_UP_TIMEOUT_MS);
  }

  private async catchUpOnce(): Promise<void> {
    const { jsm, bucket } = this.options;
    await settlesWithin(
      (async () => {
        const info = await jsm.streams.info(`KV_${bucket}`);
        await this.appliedUpTo(info.state.last_seq);
      })(),
      CATCH_UP_TIMEOUT_MS,
    );
  }

  async remove(
    kind: ConfigKind,
    accountId: string,
    id: string,
    expectedRevision?: number,
  ): Promise<void> {
    const current = this.options.store.getScoped<ConfigDoc>(kind, accountId, id);
    if (!current) throw notFound(kind);
    const key = keyOf(kind, accountId, id);
    const expected = expectedRevision ?? current.revision;
    const revision = await this.compareAndSet(
      `the ${kind}`,
      key,
      ({ revision: latest }) => {
        if (latest !== expected) throw revisionConflict(kind, id, expected, latest);
        return true;
      },
      null,
    );
    await this.appliedUpTo(revision);
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Stops watching the bucket; writes still pending fail. */
  close(): void {
    this.stopWatch?.();
    this.stopWatch = null;
  }

  /**
   * Watches again when the replica has not reached, since the last call, what the bucket
   * held then: the watch's consumer sat on a server that went away (the library would
   * notice after a minute). Call it every few seconds.
   */
  async checkWatch(): Promise<void> {
    const stalled = this.bucketAtLastCheck > this.applied;
    this.bucketAtLastCheck = (await this.options.kv.status()).streamInfo.state.last_seq;
    if (!stalled) return;
    this.options.log.warn(
      { applied: this.applied },
      'the config watch went silent; watching the bucket again',
    );
    await this.rewatch();
  }

  /**
   * Watches again from the revision applied, and resolves once caught up: after an outage
   * the library's watcher can take a minute to notice its consumer is gone.
   */
  async rewatch(): Promise<void> {
    this.close();
    await this.watch();
  }

  /**
   * Claims `unique.name` for `holder` (see `ConfigWriter.put`); returns the claim's revision,
   * or undefined when `holder` held it already. A claim of a deleted entity is taken over;
   * one of an entity this replica has never seen, once it has caught up with the bucket,
   * only after `claimGraceMs`: its writer may be between the claim and the entity.
   */
  private async claim(unique: UniqueName, holder: string): Promise<number | undefined> {
    if (!UNIQUE_NAME.test(unique.name)) throw new Error(`not a unique name: ${unique.name}`);
    const grace = this.options.claimGraceMs ?? 60_000;
    let ours = false;
    const revision = await this.compareAndSet(
      `the claim of ${unique.name}`,
      `${CLAIM_KEY_PREFIX}${unique.name}`,
      async (latest, last) => {
        if (latest.revision === 0 || latest.data === null) return true;
        const claimant = new TextDecoder().decode(latest.data);
        if (claimant === holder) {
          ours = true;
          return false;
        }
        if (this.holds(claimant) === 'unknown') await this.appliedUpTo(last);
        const state = this.holds(claimant);
        if (
          state === 'live' ||
          (state === 'unknown' && Date.now() - (latest.time?.getTime() ?? 0) < grace)
        ) {
          throw new TirelessError('TIRELESS_CONFLICT', unique.taken);
        }
        if (state === 'unknown') {
          this.options.log.warn(
            { name: unique.name, claimant, claimedAt: latest.time?.toISOString() },
            'a unique name claimed for an entity that was never written: taken over',
          );
        }
        return true;
      },
      holder,
    );
    return ours ? undefined : revision;
  }

  /** Drops claims this writer made for a write that then failed (best effort: else the grace). */
  private async release(claims: readonly { name: string; revision: number }[]): Promise<void> {
    for (const { name, revision } of claims) {
      try {
        await this.compareAndSet(
          `the claim of ${name}`,
          `${CLAIM_KEY_PREFIX}${name}`,
          ({ revision: current }) => current === revision,
          null,
        );
      } catch (error) {
        this.options.log.warn({ name, error: describeError(error) }, 'claim not released');
      }
    }
  }

  /**
   * What this replica knows of the entity a claim names (`kind.accountId.id`): live,
   * deleted, or unknown (not written yet, or never; garbage names nothing).
   */
  private holds(holder: string): 'live' | 'deleted' | 'unknown' {
    const [kind, accountId, id, ...rest] = holder.split('.');
    if (!kind || !KINDS.has(kind) || !accountId || !id || rest.length > 0) return 'unknown';
    const { store } = this.options;
    if (store.getScoped(kind as ConfigKind, accountId, id) !== undefined) return 'live';
    return store.isConfigDeleted(kind as ConfigKind, id) ? 'deleted' : 'unknown';
  }

  /**
   * Writes `value` (null: a delete marker) to `key` if `expected` says so (see
   * kvCompareAndSet; a throw refuses). Returns the new revision, or the latest when
   * `expected` answers false.
   */
  private async compareAndSet(
    what: string,
    key: string,
    expected: KvExpectation,
    value: string | null,
  ): Promise<number> {
    try {
      const outcome = await kvCompareAndSet(
        { ...this.options, onRetry: () => this.retried++ },
        key,
        expected,
        value,
      );
      return 'written' in outcome ? outcome.written : outcome.conflict.revision;
    } catch (error) {
      if (!(error instanceof KvWriteFailed)) throw error;
      if (error.busy) {
        throw new TirelessError(
          'TIRELESS_UNAVAILABLE',
          `the cluster is too busy to store ${what} now; nothing was changed, try again`,
        );
      }
      const reason = describeError(error.cause);
      // A publish that timed out may still be committed once a quorum is back.
      throw new TirelessError(
        'TIRELESS_UNAVAILABLE',
        error.sent
          ? `the cluster did not confirm storing ${what} (${reason}): JetStream has no quorum now; the change may still land when it is back, so reload before trying again`
          : `the cluster cannot store ${what} now (${reason}): JetStream has no quorum; nothing was changed, try again later`,
        { cause: error.cause },
      );
    }
  }

  private async watch(): Promise<void> {
    const { kv } = this.options;
    const status = await kv.status();
    const caughtUp = this.appliedUpTo(status.streamInfo.state.last_seq);
    const entries = await kv.watch(
      this.applied > 0 ? { resumeFromRevision: this.applied + 1 } : {},
    );
    this.stopWatch = () => entries.stop();
    void (async () => {
      for await (const entry of entries) this.apply(entry);
    })().catch((error: unknown) =>
      this.options.log.error({ error: describeError(error) }, 'config watch ended'),
    );
    await caughtUp;
    await this.unpark().catch((error: unknown) =>
      this.options.log.warn(
        { error: describeError(error) },
        'parked config entries not read again; kept for the next start',
      ),
    );
  }

  /** Applies one bucket entry and moves the replica's position past it. */
  private apply(entry: KvEntry): void {
    if (!entry.key.startsWith(CLAIM_KEY_PREFIX)) this.applyEntry(entry);
    if (entry.revision > this.applied) {
      this.applied = entry.revision;
      this.options.store.setMeta(APPLIED_META, String(entry.revision));
    }
    while (
      this.waiters.length > 0 &&
      (this.waiters[0] as { revision: number }).revision <= this.applied
    ) {
      this.waiters.shift()?.resolve();
    }
  }

  /**
   * Applies a config entry to the replica. A malformed one is counted, logged and passed
   * over; one of a newer version is counted, logged and kept aside (its key parked): the
   * replica keeps what it held, and a start after this node's upgrade reads it again.
   */
  private applyEntry(entry: KvEntry): void {
    const where = { key: entry.key.slice(0, 200), revision: entry.revision };
    try {
      const read = decodeConfigEntry(entry);
      if (read.outcome === 'newer') {
        this.park(entry.key, true);
        this.wire.newer('config', read.v, where);
        return;
      }
      // Whatever replaced a parked entry is the key's latest: nothing to keep aside.
      this.park(entry.key, false);
      if (read.outcome === 'rejected') throw new Error(read.reason);
      const change = read.value;
      if (this.options.store.applyConfig(change)) {
        for (const listener of this.listeners) listener(change);
      }
    } catch (error) {
      this.wire.rejected('config', describeError(error), where);
    }
  }

  /**
   * Reads the parked keys again (at each open): an entry this node now reads is applied
   * (a delete marker too); one still newer stays parked; a key gone from the bucket, or
   * written again after the position applied (the watch brings that), is forgotten.
   */
  private async unpark(): Promise<void> {
    for (const key of [...this.parked]) {
      const entry = await this.options.kv.get(key);
      if (entry === null || entry.revision > this.applied) this.park(key, false);
      else if (decodeConfigEntry(entry).outcome !== 'newer') {
        this.applyEntry(entry);
        this.options.log.info({ key }, 'a parked config entry applied');
      }
    }
  }

  private park(key: string, parked: boolean): void {
    if (this.parked.has(key) === parked) return;
    if (parked) this.parked.add(key);
    else this.parked.delete(key);
    this.options.store.setMeta(PARKED_META, JSON.stringify([...this.parked]));
  }

  private appliedUpTo(revision: number): Promise<void> {
    if (revision <= this.applied) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ revision, resolve });
      this.waiters.sort((a, b) => a.revision - b.revision);
    });
  }
}

function keyOf(kind: ConfigKind, accountId: string, id: string): string {
  for (const [field, token] of [
    ['accountId', accountId],
    ['id', id],
  ] as const) {
    if (!KEY_TOKEN.test(token)) {
      throw new TirelessError('TIRELESS_VALIDATION', `${field} may hold only A-Z a-z 0-9 _ -`, {
        fields: [{ field, problem: 'may hold only A-Z a-z 0-9 _ -' }],
      });
    }
  }
  return `${kind}.${accountId}.${id}`;
}

/**
 * What a bucket entry means for the replica: a change (a delete marker: a tombstone), an
 * entry of a newer version to keep aside, or why it is garbage. An entry without `v` is
 * version 1 (the first releases wrote none). Pure; never throws.
 */
export function decodeConfigEntry(
  entry: Pick<KvEntry, 'key' | 'operation' | 'revision' | 'value'>,
): Decoded<ConfigChange> {
  const [kind, accountId, id, ...rest] = entry.key.split('.');
  if (!kind || !KINDS.has(kind) || !accountId || !id || rest.length > 0) {
    return { outcome: 'rejected', reason: 'not a config key' };
  }
  const ref = { kind: kind as ConfigKind, id, accountId, revision: entry.revision };
  // A delete marker has no value: it means the same in every version.
  if (entry.operation !== 'PUT') return { outcome: 'ok', value: { ...ref, doc: null }, v: 1 };
  const decoded = decodeVersioned(entry.value, {
    what: 'config entry',
    maxBytes: MAX_CONFIG_ENTRY_BYTES,
    readers: { 1: entrySchema },
  });
  if (decoded.outcome !== 'ok') return decoded;
  const doc: Record<string, unknown> = { ...decoded.value };
  delete doc.v;
  if (doc.id !== id || doc.accountId !== accountId) {
    return { outcome: 'rejected', reason: 'id or accountId differs from the key' };
  }
  return {
    outcome: 'ok',
    value: { ...ref, doc: { ...doc, revision: entry.revision } },
    v: decoded.v,
  };
}

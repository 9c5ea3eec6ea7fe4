import type { Logger } from 'pino';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { headers } from '@nats-io/transport-node';
import { describeError, notFound, TirelessError } from '../errors/index.js';
import type { ConfigChange, ConfigKind, Store } from '../store/index.js';
import { revisionConflict, type ConfigDoc, type ConfigWriter, type NewDoc } from './ports.js';

const KINDS: ReadonlySet<string> = new Set<ConfigKind>([
  'account',
  'user',
  'token',
  'monitor',
  'channel',
  'maintenance',
]);
/** KV keys are NATS subject tokens: ids and account ids must be plain tokens. */
const KEY_TOKEN = /^[A-Za-z0-9_-]+$/;
/** Where this replica got to in the bucket, kept with the replica. */
const APPLIED_META = 'config_kv_revision';
/** Tries of a write that keeps meeting other writes before it gives up (503). */
const MAX_WRITE_ATTEMPTS = 50;

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

  private constructor(private readonly options: KvConfigWriterOptions) {
    this.applied = replicaRevision(options.store);
    this.listeners = options.onChange ? [options.onChange] : [];
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

  /** The bucket revision this replica has applied up to. */
  get appliedRevision(): number {
    return this.applied;
  }

  async put<T extends ConfigDoc>(
    kind: ConfigKind,
    doc: NewDoc<T>,
    expectedRevision: number,
  ): Promise<T> {
    const current = this.options.store.getConfig<ConfigDoc>(kind, doc.id);
    if (current && current.accountId !== doc.accountId) {
      throw notFound(kind);
    }
    const key = keyOf(kind, doc.accountId, doc.id);
    // The bucket assigns the revision; a stale one in the body must not travel.
    const body: Record<string, unknown> = { ...doc };
    delete body.revision;
    const revision = await this.compareAndSet(
      kind,
      doc.id,
      key,
      expectedRevision,
      JSON.stringify(body),
    );
    await this.appliedUpTo(revision);
    return { ...body, revision } as unknown as T;
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
    const revision = await this.compareAndSet(
      kind,
      id,
      key,
      expectedRevision ?? current.revision,
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
   * Writes `value` (null: a delete marker) to `key` if the key's latest revision is
   * `expected` (0: absent or deleted); returns the new revision. See the class comment.
   */
  private async compareAndSet(
    kind: ConfigKind,
    id: string,
    key: string,
    expected: number,
    value: string | null,
  ): Promise<number> {
    const { js, jsm, bucket } = this.options;
    const stream = `KV_${bucket}`;
    const subject = `$KV.${bucket}.${key}`;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      let sent = false;
      try {
        const last = (await jsm.streams.info(stream)).state.last_seq;
        const latest = await jsm.streams.getMessage(stream, { last_by_subj: subject });
        const operation = latest?.header.get('KV-Operation');
        const current = latest && operation !== 'DEL' && operation !== 'PURGE' ? latest.seq : 0;
        if (current !== expected) throw revisionConflict(kind, id, expected, current);
        const marker = headers();
        if (value === null) marker.set('KV-Operation', 'DEL');
        sent = true;
        const ack = await js.publish(subject, value ?? '', {
          expect: { lastSequence: last },
          ...(value === null ? { headers: marker } : {}),
        });
        return ack.seq;
      } catch (error) {
        if (error instanceof TirelessError) throw error;
        if (!isWrongLastSequence(error)) {
          // A publish that timed out may still be committed once a quorum is back.
          throw new TirelessError(
            'TIRELESS_UNAVAILABLE',
            sent
              ? `the cluster did not confirm storing the ${kind} (${describeError(error)}): JetStream has no quorum now; the change may still land when it is back, so reload before trying again`
              : `the cluster cannot store the ${kind} now (${describeError(error)}): JetStream has no quorum; nothing was changed, try again later`,
            { cause: error },
          );
        }
        // Something else was written since we read: read again, after a short random pause
        // so that writers racing each other spread out.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
      }
    }
    throw new TirelessError(
      'TIRELESS_UNAVAILABLE',
      `the cluster is too busy to store the ${kind} now (${MAX_WRITE_ATTEMPTS} tries); nothing was changed, try again`,
    );
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
  }

  /** Applies one bucket entry; a malformed one is logged and passed over, never fatal. */
  private apply(entry: KvEntry): void {
    const { store, log } = this.options;
    try {
      const change = changeOf(entry);
      if (store.applyConfig(change)) {
        for (const listener of this.listeners) listener(change);
      }
    } catch (error) {
      log.warn(
        { key: entry.key, revision: entry.revision, error: describeError(error) },
        'config entry passed over',
      );
    }
    if (entry.revision > this.applied) {
      this.applied = entry.revision;
      store.setMeta(APPLIED_META, String(entry.revision));
    }
    while (
      this.waiters.length > 0 &&
      (this.waiters[0] as { revision: number }).revision <= this.applied
    ) {
      this.waiters.shift()?.resolve();
    }
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

/** The replica change a bucket entry stands for; throws on anything malformed. */
function changeOf(entry: KvEntry): ConfigChange {
  const [kind, accountId, id, ...rest] = entry.key.split('.');
  if (!kind || !KINDS.has(kind) || !accountId || !id || rest.length > 0) {
    throw new Error(`not a config key`);
  }
  if (entry.operation !== 'PUT') {
    return { kind: kind as ConfigKind, id, accountId, revision: entry.revision, doc: null };
  }
  const doc: unknown = entry.json();
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error('value is not a JSON object');
  }
  const fields = doc as Record<string, unknown>;
  if (fields.id !== id || fields.accountId !== accountId) {
    throw new Error('id or accountId differs from the key');
  }
  return {
    kind: kind as ConfigKind,
    id,
    accountId,
    revision: entry.revision,
    doc: { ...fields, revision: entry.revision },
  };
}

function isWrongLastSequence(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

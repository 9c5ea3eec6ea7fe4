import type { Logger } from 'pino';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvEntry } from '@nats-io/kv';
import { describeError, TirelessError } from '../errors/index.js';
import type { ConfigChange, ConfigKind, Store } from '../store/index.js';
import type { ConfigDoc, ConfigWriter, NewDoc } from './config-writer.js';

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

export interface KvConfigWriterOptions {
  kv: KV;
  store: Store;
  log: Logger;
}

/**
 * Config in a JetStream KV bucket, one key per entity (`kind.accountId.id`): a write is a
 * KV create (new) or a compare-and-set update on the revision the caller read, so two
 * nodes editing one entity at once cannot both win. Every node watches the bucket and
 * applies each entry to its SQLite replica with the entry's revision (the bucket's
 * sequence: opaque, increasing per key); a delete marker becomes a tombstone. A write
 * resolves once this node's replica has applied it (read your writes).
 */
export class KvConfigWriter implements ConfigWriter {
  private readonly listeners: ((change: ConfigChange) => void)[] = [];
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private applied: number;
  private stopWatch: (() => void) | null = null;

  private constructor(private readonly options: KvConfigWriterOptions) {
    this.applied = Number(options.store.getMeta(APPLIED_META) ?? 0);
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
      throw new TirelessError('TIRELESS_NOT_FOUND', `${kind} not found`);
    }
    const key = keyOf(kind, doc.accountId, doc.id);
    // The bucket assigns the revision; a stale one in the body must not travel.
    const body: Record<string, unknown> = { ...doc };
    delete body.revision;
    const value = JSON.stringify(body);
    const revision = await this.write(
      kind,
      doc.id,
      expectedRevision === 0
        ? this.options.kv.create(key, value)
        : this.options.kv.update(key, value, expectedRevision),
      expectedRevision,
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
    if (!current) throw new TirelessError('TIRELESS_NOT_FOUND', `${kind} not found`);
    const key = keyOf(kind, accountId, id);
    const kv = this.options.kv;
    await this.write(
      kind,
      id,
      kv.delete(key, { previousSeq: expectedRevision ?? current.revision }),
      expectedRevision ?? current.revision,
    );
    // A delete answers no revision: the marker's is the key's latest (or one after it).
    const marker = await kv.get(key);
    if (marker) await this.appliedUpTo(marker.revision);
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

  private async write<R>(
    kind: ConfigKind,
    id: string,
    operation: Promise<R>,
    expected: number,
  ): Promise<R> {
    try {
      return await operation;
    } catch (error) {
      if (isWrongRevision(error)) {
        throw new TirelessError(
          'TIRELESS_CONFLICT',
          expected === 0
            ? `${kind} ${id} exists already`
            : `${kind} ${id} changed meanwhile (not at revision ${expected}); reload and retry`,
          { cause: error },
        );
      }
      throw new TirelessError(
        'TIRELESS_UNAVAILABLE',
        `the cluster could not store the ${kind} (${describeError(error)}); nothing was changed, try again`,
        { cause: error },
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

function isWrongRevision(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

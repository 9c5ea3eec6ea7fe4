import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';

/** A KV bucket reached through its stream (`KV_<bucket>`), for compare-and-set writes. */
export interface KvBucketRef {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** The bucket's name. */
  bucket: string;
  /** Told each time a write is tried again because another write landed first. */
  onRetry?: () => void;
}

/** A key's latest entry as the stream leader holds it; revision 0: absent or deleted. */
export interface KvLatest {
  revision: number;
  /** The value, or null when the key is absent or deleted. */
  data: Uint8Array | null;
  /** When the value was written (null when absent or deleted). */
  time: Date | null;
}

/**
 * What a write expects of the key: its latest revision, or a decision given the latest
 * entry and the bucket's last sequence (false: do not write; a throw refuses, and is
 * thrown on as it is).
 */
export type KvExpectation =
  number | ((latest: KvLatest, lastSequence: number) => boolean | Promise<boolean>);

/** Why a compare-and-set write did not land: JetStream did not answer, or kept moving. */
export class KvWriteFailed extends Error {
  constructor(
    /** Whether the write was sent (a timed-out publish may still land later). */
    readonly sent: boolean,
    /** True when every try met another write in the bucket (no error from JetStream). */
    readonly busy: boolean,
    options?: { cause?: unknown },
  ) {
    super(busy ? 'the bucket kept changing' : 'JetStream did not answer', options);
  }
}

/** Tries of a write that keeps meeting other writes before it gives up. */
const MAX_WRITE_ATTEMPTS = 50;

/** Reads a key's latest entry from the stream leader. */
export async function kvLatest(ref: KvBucketRef, key: string): Promise<KvLatest> {
  const latest = await ref.jsm.streams.getMessage(`KV_${ref.bucket}`, {
    last_by_subj: `$KV.${ref.bucket}.${key}`,
  });
  const operation = latest?.header?.get('KV-Operation');
  if (!latest || operation === 'DEL' || operation === 'PURGE') {
    return { revision: 0, data: null, time: null };
  }
  return { revision: latest.seq, data: latest.data, time: latest.time };
}

/**
 * Writes `value` (null: a delete marker) to `key` if the key's latest revision is
 * `expected` (0: absent or deleted), or `expected` decides so: returns the new revision, or
 * the key's latest entry when the write was not made. Throws KvWriteFailed when JetStream
 * does not answer.
 *
 * Not through the KV's own per-key check: on a clustered stream nats-server before 2.9.21
 * checks `Nats-Expected-Last-Subject-Sequence` only before proposing, so concurrent writes
 * expecting the same revision can all win (nats-server issue 4320; measured on 2.9.10: 50
 * of 50). The stream-wide `Nats-Expected-Last-Sequence` is checked against in-flight
 * proposals, so a write reads the bucket's last sequence S, then the key's latest revision
 * (both from the stream leader), and publishes expecting S: it lands only if nothing at all
 * was written since it read the key. A write elsewhere in the bucket meanwhile means read
 * and try again. So that a node's own writes do not keep voiding one another (32 concurrent
 * creates on one node ran out of tries), a client sends one write per bucket at a time;
 * only other nodes' writes make it try again.
 */
export function kvCompareAndSet(
  ref: KvBucketRef,
  key: string,
  expected: KvExpectation,
  value: string | null,
): Promise<{ written: number } | { conflict: KvLatest }> {
  let queues = writeQueues.get(ref.js);
  if (!queues) writeQueues.set(ref.js, (queues = new Map<string, Promise<unknown>>()));
  const write = () => compareAndSet(ref, key, expected, value);
  const run = (queues.get(ref.bucket) ?? Promise.resolve()).then(write, write);
  queues.set(
    ref.bucket,
    run.catch(() => undefined),
  );
  return run;
}

/** Per client and bucket, the compare-and-set in flight: the next one waits for it. */
const writeQueues = new WeakMap<JetStreamClient, Map<string, Promise<unknown>>>();

async function compareAndSet(
  ref: KvBucketRef,
  key: string,
  expected: KvExpectation,
  value: string | null,
): Promise<{ written: number } | { conflict: KvLatest }> {
  const { js, jsm, bucket } = ref;
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    let last: number;
    let latest: KvLatest;
    try {
      last = (await jsm.streams.info(`KV_${bucket}`)).state.last_seq;
      latest = await kvLatest(ref, key);
    } catch (error) {
      throw new KvWriteFailed(false, false, { cause: error });
    }
    const write =
      typeof expected === 'number' ? latest.revision === expected : await expected(latest, last);
    if (!write) return { conflict: latest };
    const marker = headers();
    if (value === null) marker.set('KV-Operation', 'DEL');
    try {
      const ack = await js.publish(`$KV.${bucket}.${key}`, value ?? '', {
        expect: { lastSequence: last },
        ...(value === null ? { headers: marker } : {}),
      });
      return { written: ack.seq };
    } catch (error) {
      if (!isWrongLastSequence(error)) throw new KvWriteFailed(true, false, { cause: error });
      ref.onRetry?.();
      // Something else was written since we read: read again, after a short random pause
      // so that writers racing each other spread out.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
    }
  }
  throw new KvWriteFailed(false, true);
}

function isWrongLastSequence(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

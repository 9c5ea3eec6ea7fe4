import { z } from 'zod';
import type { CheckedResult } from '../store/index.js';
import { decodeVersioned, WIRE_VERSION, type Decoded } from './wire.js';

/** Results in one stream message at most: ~150 bytes each, far below NATS's 1 MiB. */
export const MAX_RESULTS_PER_BATCH = 1000;

/** One phase of a result's timing, ms. */
const phaseMs = z.number().nonnegative().max(86_400_000);

const resultSchema = z.object({
  monitorId: z.string().min(1).max(100),
  slot: z.number().int().nonnegative(),
  checkedAt: z.number().nonnegative(),
  status: z.enum(['up', 'down']),
  latencyMs: z.number().nonnegative(),
  error: z.string().max(2000).optional(),
  node: z.string().min(1).max(100),
  region: z.string().min(1).max(100),
  // Optional within version 1: a node of the previous release writes none and ignores it.
  // The judge caps it by the monitor's locations.
  locationsChecking: z.number().int().min(1).optional(),
  // Optional within version 1 too: an older node sends none (the result has no timing) and
  // drops it from ours.
  timing: z
    .object({
      dnsMs: phaseMs.optional(),
      connectMs: phaseMs.optional(),
      tlsMs: phaseMs.optional(),
      firstByteMs: phaseMs.optional(),
    })
    .optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * One message of the results stream: a batch of one node's results, version 1 (see
 * WIRE_VERSION). Unknown fields are ignored so that a newer node may add some beside an
 * older one.
 */
const batchSchema = z.object({
  node: z.string().min(1).max(100),
  results: z.array(resultSchema).min(1).max(MAX_RESULTS_PER_BATCH),
});

/** Largest results message written and read, bytes: NATS's default max_payload (1 MiB). */
export const MAX_BATCH_BYTES = 1_048_576;

export interface ResultBatch {
  node: string;
  results: CheckedResult[];
}

/**
 * The messages that carry a batch: one, or (when its encoding is larger than
 * MAX_BATCH_BYTES, e.g. a thousand long error texts) the halves of it, split again until
 * each fits. The split depends only on the batch, so sending it again sends the same parts.
 */
export function encodeBatch(batch: ResultBatch): string[] {
  const encoded = JSON.stringify({ v: WIRE_VERSION, node: batch.node, results: batch.results });
  if (Buffer.byteLength(encoded) <= MAX_BATCH_BYTES || batch.results.length <= 1) return [encoded];
  const half = Math.ceil(batch.results.length / 2);
  return [
    ...encodeBatch({ node: batch.node, results: batch.results.slice(0, half) }),
    ...encodeBatch({ node: batch.node, results: batch.results.slice(half) }),
  ];
}

/** The batch a message holds, a newer version to keep, or why it is garbage. Never throws. */
export function decodeBatch(data: Uint8Array): Decoded<ResultBatch> {
  return decodeVersioned(data, {
    what: 'result batch',
    maxBytes: MAX_BATCH_BYTES,
    readers: { 1: batchSchema },
  });
}

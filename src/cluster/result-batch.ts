import { z } from 'zod';
import type { CheckedResult } from '../store/index.js';

/** Results in one stream message at most: ~150 bytes each, far below NATS's 1 MiB. */
const MAX_RESULTS_PER_BATCH = 1000;

const resultSchema = z.object({
  monitorId: z.string().min(1).max(100),
  slot: z.number().int().nonnegative(),
  checkedAt: z.number().nonnegative(),
  status: z.enum(['up', 'down']),
  latencyMs: z.number().nonnegative(),
  error: z.string().max(2000).optional(),
  node: z.string().min(1).max(100),
  region: z.string().min(1).max(100),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * One message of the results stream: a batch of one node's results. Version 1; unknown
 * fields are ignored so that a newer node may add some beside an older one.
 */
const batchSchema = z.object({
  v: z.literal(1),
  node: z.string().min(1).max(100),
  results: z.array(resultSchema).min(1).max(MAX_RESULTS_PER_BATCH),
});

export interface ResultBatch {
  node: string;
  results: CheckedResult[];
}

export function encodeBatch(batch: ResultBatch): string {
  return JSON.stringify({ v: 1, node: batch.node, results: batch.results });
}

/** The batch a message holds; throws a readable error for anything else. */
export function decodeBatch(data: Uint8Array): ResultBatch {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    throw new Error(`not JSON (${data.length} bytes)`);
  }
  const parsed = batchSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a result batch: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  return { node: parsed.data.node, results: parsed.data.results };
}

/** Percentiles and small summaries of measured samples. */

/** The p-th percentile (0..100) of ascending `sorted` values, nearest rank; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // p · n / 100 rather than p / 100 · n: 99.9 / 100 · 1000 is 999.0000000000001 in binary
  // floating point, whose ceiling would take the 1,000th value for the 999th.
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** p50, p99 and max of samples, in their unit. */
export interface Spread {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

export function spreadOf(samples: readonly number[]): Spread {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length === 0 ? Number.NaN : (values[values.length - 1] as number),
    count: values.length,
  };
}

/** Milliseconds each call of `fn` took, `times` calls in a row (performance.now()). */
export async function timeEach(times: number, fn: (i: number) => unknown) {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/**
 * Which rollup buckets cover a time range exactly: whole days from the day table, whole
 * hours from the hour table, the minutes at the edges from the minute table. Pure, so the
 * uptime of any window reads at most ~90 + 2·23 + 2·59 rows per monitor.
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type Granularity = 'minute' | 'hour' | 'day';

export const GRANULARITY_MS: Record<Granularity, number> = {
  minute: MINUTE_MS,
  hour: HOUR_MS,
  day: DAY_MS,
};

/** A run of buckets [fromBucket, toBucket) of one granularity (bucket = floor(ms / size)). */
export interface BucketRange {
  granularity: Granularity;
  fromBucket: number;
  toBucket: number;
}

/** Buckets covering [from, to) in ms, rounded outward to whole minutes. */
export function coverRange(from: number, to: number): BucketRange[] {
  const start = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  const end = Math.ceil(to / MINUTE_MS) * MINUTE_MS;
  if (end <= start) return [];
  return cover(start, end, 'day');
}

const FINER: Record<Granularity, Granularity | undefined> = {
  day: 'hour',
  hour: 'minute',
  minute: undefined,
};

function cover(start: number, end: number, granularity: Granularity): BucketRange[] {
  const size = GRANULARITY_MS[granularity];
  const finer = FINER[granularity];
  const firstWhole = Math.ceil(start / size);
  const lastWhole = Math.floor(end / size);
  if (!finer) return [{ granularity, fromBucket: start / size, toBucket: end / size }];
  if (firstWhole >= lastWhole) return cover(start, end, finer);
  return [
    ...(start < firstWhole * size ? cover(start, firstWhole * size, finer) : []),
    { granularity, fromBucket: firstWhole, toBucket: lastWhole },
    ...(lastWhole * size < end ? cover(lastWhole * size, end, finer) : []),
  ];
}

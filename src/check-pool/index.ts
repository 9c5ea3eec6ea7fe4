/**
 * Running checks off the main thread: a pool of worker threads that run the checkers, so a
 * node uses every core it has while its main thread schedules, stores and serves.
 */
export { CheckPool, type CheckPoolOptions } from './pool.js';
export type { CheckJob, RanCheck } from './running-checks.js';

export {
  Store,
  type CheckedResult,
  type ConfigChange,
  type ConfigEntry,
  type ConfigKind,
  type Delivery,
  type HousekeepingOptions,
  type HousekeepingReport,
  type IngestReport,
  type Judge,
  type Judgement,
  type StoreOptions,
  type StoredResult,
  type UptimeTotals,
} from './store.js';
export {
  startCheckpointer,
  type Checkpointer,
  type CheckpointerOptions,
  type CheckpointReport,
} from './checkpointer.js';
export { LONG_RETENTION_MS } from './housekeeping.js';
export { coverRange, DAY_MS, HOUR_MS, MINUTE_MS } from './rollup-ranges.js';
export {
  copyDatabase,
  copyReplica,
  inspectCopy,
  mergeInto,
  type ConfigConflict,
  type CopyInfo,
  type MergeProgress,
  type MergeReport,
} from './merge.js';
export {
  checkIntegrity,
  isCorruption,
  type IntegrityCheck,
  type IntegrityMode,
} from './integrity.js';
export { salvageDatabase, type SalvageReport } from './salvage.js';

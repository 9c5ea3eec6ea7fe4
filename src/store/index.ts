export {
  Store,
  type CheckedResult,
  type ConfigChange,
  type ConfigKind,
  type DayTotals,
  type Delivery,
  type IngestReport,
  type Judge,
  type Judgement,
  type MonitorSummary,
  type Page,
  type SeriesPoint,
  type UptimeTotals,
  type Window,
  type StoredResult,
} from './store.js';
export { startCheckpointer, type Checkpointer, type CheckpointReport } from './checkpointer.js';
export { DAY_MS, HOUR_MS, type Granularity } from './rollup-ranges.js';
export {
  copyDatabase,
  copyReplica,
  inspectCopy,
  mergeInto,
  type ConfigConflict,
  type CopyInfo,
  type MergeReport,
} from './merge.js';
export {
  checkIntegrity,
  isCorruption,
  type IntegrityCheck,
  type IntegrityMode,
} from './integrity.js';
export { salvageDatabase, type SalvageReport } from './salvage.js';

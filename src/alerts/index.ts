export { createJudge, type CoordinatorDeps } from './coordinator.js';
export { Deliverer, deliveryLeaseMs, type DelivererOptions } from './deliverer.js';
export { scheduleCovers } from './maintenance.js';
export { MaintenanceCalendar } from './maintenance-calendar.js';
export { retryDelay, DELIVERY_RETRY } from './backoff.js';
export {
  judgeResult,
  INITIAL_STATE,
  type AlertAction,
  type AlertPolicy,
  type MonitorState,
} from './state-machine.js';

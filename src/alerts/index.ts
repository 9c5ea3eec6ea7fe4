export { createJudge } from './coordinator.js';
export { Deliverer, deliveryLeaseMs, type DelivererOptions } from './deliverer.js';
export { MaintenanceCalendar } from './maintenance-calendar.js';
export { type MonitorState } from './state-machine.js';

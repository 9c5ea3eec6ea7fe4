export { createJudge } from './coordinator.js';
export { Deliverer, type DelivererOptions } from './deliverer.js';
export { MaintenanceCalendar } from './maintenance-calendar.js';
export { type MonitorState } from './state-machine.js';

export { Scheduler, type Schedulable, type SchedulerOptions } from './scheduler.js';
export { SlotPlan, type DueCheck } from './plan.js';

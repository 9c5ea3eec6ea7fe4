export { Scheduler, type Schedulable } from './scheduler.js';

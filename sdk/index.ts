// The Tumnus SDK: what senders and responders import. Importing it does nothing by itself.
import { Tumnus } from './tumnus.js';

export default Tumnus;
export { Tumnus };
export { Task, type BoundTaskClass, type WaitingSendOptions } from './task.js';
export { TaskHandle } from './task-handle.js';
export { TaskParents } from './task-parents.js';
export {
  Tasks,
  ParentTasks,
  type ParentListeners,
  type ObserveOptions,
  type EventSubscription,
} from './tasks.js';
export {
  TASK_EVENT_TYPES,
  type TaskEvent,
  type TaskEventMap,
  type TaskEventType,
  type TaskEventListener,
} from './events.js';
export { Responder, type CreatedListener } from './responder.js';
export {
  TumnusError,
  WaitTimeoutError,
  ErrorCode,
  FailureReason,
  isTumnusError,
  type FailureRecord,
} from './errors.js';
export {
  TaskStatus,
  ResultStatus,
  TERMINAL_STATUSES,
  type TaskReply,
  type TaskResult,
  type TaskSnapshot,
  type TaskParentRecord,
  type LeaseRecord,
  type RetentionDays,
  RETENTION_CLASSES,
} from './model.js';
export {
  PARENT_DEFAULTS,
  RESPONDER_DEFAULTS,
  type TumnusOptions,
  type TaskParentOptions,
  type SendOptions,
  type WaitForResultOptions,
  type ResponderOptions,
  type ScheduleOptions,
} from './options.js';
export type { ScheduleRecord } from './internal/store/index.js';
export { redactUri } from './internal/redact-uri.js';

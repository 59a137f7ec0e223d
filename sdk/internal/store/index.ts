// The store: the only part of Tumnus that talks to MongoDB. One file per storage operation.
export { asConnectionFailure, StoreConnection, type ConnectionSettings } from './connection.js';

export {
  upsertParent,
  findParent,
  listParents,
  markParentDeleting,
  unmarkParentDeleting,
  deleteParent,
  type ParentPolicy,
} from './parents.js';
export { cancelTask, countUnfinished, findUnfinishedIds } from './cancel-task.js';
export { createTask, type CreatedTask, type TaskToCreate } from './create-task.js';
export {
  insertTask,
  withdrawTask,
  newTaskId,
  findByIdempotencyKey,
  type NewTask,
  type InsertedTask,
} from './insert-task.js';
export { findTask, findFinishedTasks, findNextRunAt, isTaskId } from './read-tasks.js';
export {
  claimNextTask,
  renewLease,
  commitReply,
  recordFailure,
  releaseLease,
  reapExpiredLeases,
  outcomeWrittenBy,
  type ClaimedTask,
  type ReapedLease,
} from './leases.js';
export { claimReadyTasks } from './claim-batch.js';
export {
  TaskCursor,
  watchFinishedTasks,
  watchPendingTasks,
  isChangeStreamUnsupported,
} from './watch-tasks.js';
export { isTransientError } from './transient-error.js';
export { recordProgress } from './record-progress.js';
export { bsonSize } from './bson-size.js';
export {
  EventLog,
  findEventsSince,
  findTaskEvents,
  loadPosition,
  savePosition,
  EventCursor,
  type NewEvent,
  type SubscriberPosition,
} from './events.js';
export {
  upsertSchedule,
  deleteSchedule,
  listSchedules,
  recordFire,
  type ScheduleRecord,
} from './schedules.js';
export {
  listTasks,
  parentStatus,
  retryTask,
  countPurgeable,
  purgeFinished,
  type TaskQuery,
  type ParentStatus,
  type PurgeQuery,
} from './operator.js';
export {
  heartbeatSupervisor,
  removeSupervisor,
  listLiveSupervisors,
  type SupervisorRecord,
} from './supervisors.js';
export { loadStreamPosition, saveStreamPosition, isHistoryLost } from './stream-positions.js';

import {
  listLiveSupervisors,
  parentStatus,
  type ParentStatus,
  type SupervisorRecord,
} from '../../../sdk/internal/store/index.js';
import { TaskStatus } from '../../../sdk/model.js';
import { HEARTBEAT_INTERVAL_MS } from '../../supervisor-registration.js';
import { formatDate, formatDuration, formatTable } from './format.js';
import type { OperatorAction } from './run.js';

/**
 * A supervisor counts as live while its last heartbeat is younger than this (15 s): three
 * heartbeat intervals, so one slow beat does not make it look dead.
 */
export const SUPERVISOR_LIVE_MS = 3 * HEARTBEAT_INTERVAL_MS;

/** A live supervisor as `status` reports it. */
export interface SupervisorStatus {
  id: string;
  host: string;
  pid: number;
  poolSize: number;
  parents: string[];
  startedAt: Date;
  heartbeatAt: Date;
  heartbeatAgeMs: number;
}

export function showStatus(): OperatorAction {
  return async (session, out) => {
    const store = await session.store();
    const parents = await session.parents.list();
    const statuses: ParentStatus[] = [];
    for (const parent of parents) statuses.push(await parentStatus(store, parent.name));
    const live = await listLiveSupervisors(store, SUPERVISOR_LIVE_MS);
    const now = store.clock.now();
    const supervisors = live.map((record) => toStatus(record, now));

    out.result({ at: now, parents: statuses, supervisors }, () =>
      [parentsTable(statuses), '', supervisorsTable(supervisors)].join('\n'),
    );
  };
}

/** `pending 3 · leased 1 · succeeded 120 · ...`, zero counts left out. */
export function countsLine(counts: Record<TaskStatus, number>): string {
  const parts = Object.values(TaskStatus)
    .filter((status) => counts[status] > 0)
    .map((status) => `${status} ${counts[status]}`);
  return parts.length > 0 ? parts.join(' · ') : 'no tasks';
}

function toStatus(record: SupervisorRecord, now: Date): SupervisorStatus {
  return {
    id: record._id,
    host: record.host,
    pid: record.pid,
    poolSize: record.poolSize,
    parents: record.parents,
    startedAt: record.startedAt,
    heartbeatAt: record.heartbeatAt,
    heartbeatAgeMs: Math.max(0, now.getTime() - record.heartbeatAt.getTime()),
  };
}

function parentsTable(statuses: ParentStatus[]): string {
  if (statuses.length === 0) return 'No task parents.';
  const states = Object.values(TaskStatus);
  return formatTable(
    ['parent', ...states, 'oldest pending', 'running leases'],
    statuses.map((s) => [
      s.parent,
      ...states.map((state) => String(s.counts[state])),
      formatDuration(s.oldestPendingMs),
      String(s.runningLeases),
    ]),
  );
}

function supervisorsTable(supervisors: SupervisorStatus[]): string {
  if (supervisors.length === 0) {
    return `No live supervisors (none heartbeat within ${SUPERVISOR_LIVE_MS / 1_000}s).`;
  }
  return formatTable(
    ['supervisor', 'host', 'pid', 'pool', 'parents', 'last heartbeat', 'started'],
    supervisors.map((s) => [
      s.id,
      s.host,
      String(s.pid),
      String(s.poolSize),
      s.parents.join(',') || '-',
      `${formatDuration(s.heartbeatAgeMs)} ago`,
      formatDate(s.startedAt),
    ]),
  );
}

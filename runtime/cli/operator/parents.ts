import { ErrorCode, TumnusError } from '../../../sdk/errors.js';
import {
  parentStatus,
  type ParentStatus,
  type ScheduleRecord,
} from '../../../sdk/internal/store/index.js';
import { assertParentName } from '../../../sdk/internal/validate.js';
import type { TaskParentRecord } from '../../../sdk/model.js';
import type { TaskParentOptions } from '../../../sdk/options.js';
import { formatDate, formatDuration, formatFields, formatTable, formatValue } from './format.js';
import { integerFlag, usageError, type OperatorAction } from './run.js';
import { countsLine } from './status.js';

/** `parents create` flags: the policy fields to set (numbers as text, checked here). */
export interface CreateParentArgs {
  name: string;
  maxAttempts?: string;
  leaseMs?: string;
  timeoutMs?: string;
  backoffMs?: string;
  retentionDays?: string;
}

const MAX_DURATION_MS = 2 ** 31 - 1;

export function listParents(): OperatorAction {
  return async (session, out) => {
    const parents = await session.parents.list();
    out.result({ parents }, () => {
      if (parents.length === 0) return 'No task parents.';
      return formatTable(
        ['parent', 'max attempts', 'lease', 'timeout', 'backoff', 'retention', 'created'],
        parents.map((p) => [
          p.deleting ? `${p.name} (deleting)` : p.name,
          String(p.maxAttempts),
          formatDuration(p.leaseMs),
          formatDuration(p.timeoutMs),
          formatDuration(p.backoffMs),
          `${p.retentionDays}d`,
          formatDate(p.createdAt),
        ]),
      );
    });
  };
}

export function createParent(args: CreateParentArgs): OperatorAction {
  const options = parentOptions(args);
  return async (session, out) => {
    const existed = (await session.parents.get(options.name)) !== null;
    const parent = await session.parents.create(options);
    out.result({ parent, created: !existed }, () => {
      const verb = existed ? 'Updated' : 'Created';
      return `${verb} task parent ${parent.name}\n${policyFields(parent)}`;
    });
  };
}

export function showParent(name: string): OperatorAction {
  assertParentName(name, 'parent name');
  return async (session, out) => {
    const parent = await session.parents.get(name);
    if (!parent) {
      throw new TumnusError(ErrorCode.ParentNotFound, `task parent ${name} does not exist`);
    }
    const status = await parentStatus(await session.store(), name);
    const schedules = await session.parents.schedules(name);

    out.result({ parent, status, schedules }, () => parentText(parent, status, schedules));
  };
}

function parentText(
  parent: TaskParentRecord,
  status: ParentStatus,
  schedules: readonly ScheduleRecord[],
): string {
  return [
    `Task parent ${parent.name}`,
    policyFields(parent),
    '',
    'Tasks',
    `  ${countsLine(status.counts)}`,
    `  oldest pending: ${formatDuration(status.oldestPendingMs)}`,
    '',
    'Schedules',
    ...(schedules.length === 0 ? ['  (none)'] : schedules.map(scheduleLine)),
  ].join('\n');
}

function scheduleLine(schedule: ScheduleRecord): string {
  const { name, cron, timezone, lastFireAt, payload } = schedule;
  const last = `last fire ${formatDate(lastFireAt)}`;
  return `  ${name}  ${cron} (${timezone})  ${last}  ${formatValue(payload, 40)}`;
}

function policyFields(parent: TaskParentRecord): string {
  return formatFields([
    ['max attempts', String(parent.maxAttempts)],
    ['lease', formatDuration(parent.leaseMs)],
    ['timeout', formatDuration(parent.timeoutMs)],
    ['backoff', formatDuration(parent.backoffMs)],
    ['retention', `${parent.retentionDays} days (events; tasks are kept)`],
    ['created', formatDate(parent.createdAt)],
    ...(parent.deleting ? [['state', 'being deleted'] as [string, string]] : []),
  ]);
}

function parentOptions(args: CreateParentArgs): TaskParentOptions {
  assertParentName(args.name, 'parent name');
  const options: TaskParentOptions = { name: args.name };
  const maxAttempts = integerFlag(args.maxAttempts, '--max-attempts', 1_000);
  const leaseMs = integerFlag(args.leaseMs, '--lease-ms', MAX_DURATION_MS);
  const timeoutMs = integerFlag(args.timeoutMs, '--timeout-ms', MAX_DURATION_MS);
  const backoffMs = integerFlag(args.backoffMs, '--backoff-ms', MAX_DURATION_MS);
  if (maxAttempts !== undefined) options.maxAttempts = maxAttempts;
  if (leaseMs !== undefined) options.leaseMs = leaseMs;
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (backoffMs !== undefined) options.backoffMs = backoffMs;
  if (args.retentionDays !== undefined) {
    if (!['30', '60', '90'].includes(args.retentionDays)) {
      throw usageError(
        `--retention-days must be 30, 60 or 90 (got ${JSON.stringify(args.retentionDays)})`,
      );
    }
    options.retentionDays = Number(args.retentionDays) as TaskParentOptions['retentionDays'];
  }
  return options;
}

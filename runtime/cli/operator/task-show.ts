import type { FailureRecord } from '../../../sdk/errors.js';
import type { TaskEvent } from '../../../sdk/events.js';
import { isTerminal, type TaskResult, type TaskSnapshot } from '../../../sdk/model.js';
import { toTaskResult } from '../../../sdk/task-result.js';
import {
  formatBlock,
  formatDate,
  formatFields,
  formatTable,
  formatText,
  formatValue,
} from './format.js';
import type { OperatorAction } from './run.js';
import { assertTaskId } from './session.js';

/** `tasks show`: the task, its outcome, each failed attempt and its recorded events. */
export function showTaskAction(id: string): OperatorAction {
  assertTaskId(id);
  return async (session, out) => {
    const handle = session.task(id);
    const task = await handle.get();
    const events = await handle.events();
    const result = isTerminal(task.status) ? toTaskResult(task) : null;

    out.result({ task, result, events }, () =>
      [
        `Task ${task.id} (${task.parent})`,
        formatFields(taskFields(task)),
        '',
        'Payload',
        formatBlock(task.payload),
        '',
        ...resultLines(result),
        'Failed attempts',
        failuresTable(task.failures),
        '',
        'Events',
        eventsTable(events),
      ].join('\n'),
    );
  };
}

function taskFields(task: TaskSnapshot): [string, string][] {
  const fields: [string, string][] = [
    ['status', task.status],
    ['attempts', `${task.attempts} of ${task.maxAttempts}`],
    ['created', formatDate(task.createdAt)],
    ['run at', formatDate(task.runAt)],
    ['updated', formatDate(task.updatedAt)],
    ['finished', formatDate(task.finishedAt)],
  ];
  if (task.lease) {
    fields.push(['lease', `${task.lease.owner} until ${formatDate(task.lease.expiresAt)}`]);
  }
  if (task.cancelReason !== undefined) fields.push(['cancel reason', task.cancelReason]);
  if (task.progress !== undefined) fields.push(['progress', formatValue(task.progress)]);
  return fields;
}

function resultLines(result: TaskResult | null): string[] {
  if (!result) return ['Result', '  (not finished)', ''];
  return [`Result: ${result.status}`, formatBlock(result.payload), ''];
}

function failuresTable(failures: readonly FailureRecord[]): string {
  if (failures.length === 0) return '  (none)';
  const table = formatTable(
    ['attempt', 'at', 'reason', 'error', 'retryable'],
    failures.map((f) => [
      String(f.attempt),
      formatDate(f.at),
      f.reason,
      `${f.name}${f.code ? ` [${f.code}]` : ''}: ${formatText(f.message)}`,
      f.retryable ? 'yes' : 'no',
    ]),
  );
  return indent(table);
}

function eventsTable(events: readonly TaskEvent[]): string {
  if (events.length === 0) return '  (none recorded, or past the retention window)';
  const table = formatTable(
    ['at', 'event', 'data'],
    events.map((e) => [formatDate(e.at), e.type, formatValue(e.data, 100)]),
  );
  return indent(table);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

import { countPurgeable, purgeFinished } from '../../../sdk/internal/store/index.js';
import { assertParentName } from '../../../sdk/internal/validate.js';
import { formatDate } from './format.js';
import { integerFlag, usageError, type OperatorAction } from './run.js';

export interface PurgeArgs {
  before: string;
  parent?: string;
  archive?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  batchSize?: string;
}

const DEFAULT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 10_000;
/** A date, or a date-time with an explicit zone: `2025-01-31`, `2025-01-31T12:00:00Z`. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `tasks purge`: removes finished tasks (succeeded, failed, dead, cancelled) that finished before
 * `--before`, a batch at a time, optionally copying each batch to `tasks_archive` first. Tasks are
 * never removed otherwise, so this refuses to run without `--yes`; `--dry-run` only counts.
 */
export function purgeTasksAction(args: PurgeArgs): OperatorAction {
  const before = beforeFlag(args.before);
  if (args.parent !== undefined) assertParentName(args.parent, '--parent');
  const batchSize =
    integerFlag(args.batchSize, '--batch-size', MAX_BATCH_SIZE) ?? DEFAULT_BATCH_SIZE;
  const archive = args.archive === true;
  if (!args.dryRun && !args.yes) {
    throw usageError(
      'tasks purge removes tasks for good: run it with --dry-run to count them, then with --yes',
    );
  }

  return async (session, out) => {
    const store = await session.store();
    const query = { before, ...(args.parent ? { parent: args.parent } : {}) };
    const count = await countPurgeable(store, query);
    const of = args.parent ? ` of ${args.parent}` : '';
    const tasks = `${count} task${count === 1 ? '' : 's'}${of}`;
    const what = `${tasks} that finished before ${formatDate(before)}`;
    const summary = { before, parent: args.parent ?? null, archive, count };

    if (args.dryRun) {
      out.result({ ...summary, dryRun: true }, () => {
        const fate = archive ? 'archived to tasks_archive and purged' : 'purged';
        return `${what} would be ${fate}. Dry run: nothing was changed.`;
      });
      return;
    }

    out.progress(`${archive ? 'Archiving and purging' : 'Purging'} ${what}, ${batchSize} a batch`);
    const verb = archive ? 'archived and purged' : 'purged';
    const purged = await purgeFinished(store, { ...query, archive, batchSize }, (done) =>
      out.progress(`  ${done} of ${count} ${verb}`),
    );
    out.result({ ...summary, dryRun: false, purged }, () => {
      const copies = archive ? '; copies are in tasks_archive' : '';
      return `Done: ${purged} task${purged === 1 ? '' : 's'} ${verb}${copies}.`;
    });
  };
}

function beforeFlag(value: string): Date {
  const date = new Date(value);
  if (!ISO_DATE.test(value) || Number.isNaN(date.getTime())) {
    throw usageError(
      '--before must be an ISO date (2025-01-31, midnight UTC) or a date-time with a zone ' +
        `(2025-01-31T12:00:00Z) (got ${JSON.stringify(value)})`,
    );
  }
  if (date.getTime() > Date.now()) {
    throw usageError(`--before must not be in the future (got ${value})`);
  }
  return date;
}

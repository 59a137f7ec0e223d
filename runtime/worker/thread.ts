// The pool thread's entry point: Piscina imports this file in every thread and calls its default
// export once per request. It runs handler code only; it never touches MongoDB.
import { threadId, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { assertStorableShape } from '../../sdk/internal/storable-shape.js';
import { toErrorRecord } from '../pool/error-record.js';
import type { RunOutcome, RunRequest, ThreadData, ThreadRequest } from '../pool/protocol.js';
import { HandlerCache } from './handler-cache.js';
import { TaskSession } from './task-session.js';

const { handlerConfig } = workerData as ThreadData;
const handlers = new HandlerCache();

/**
 * For the rare failure of the thread's own plumbing (a log call that could not be delivered):
 * straight to stderr, since the supervisor's logger is on the other side of that plumbing.
 */
const threadLogger = pino(
  { name: 'tumnus-runtime', base: { component: 'pool-thread', threadId } },
  pino.destination({ fd: 2, sync: true }),
);

export default async function handle(request: ThreadRequest): Promise<RunOutcome | null> {
  if (request.kind === 'warm') {
    await Promise.all(request.handlerFiles.map((file) => handlers.load(file)));
    return null;
  }
  return run(request);
}

async function run(request: RunRequest): Promise<RunOutcome> {
  const session = new TaskSession(request, handlerConfig, threadLogger);
  try {
    const handler = await handlers.load(request.handlerFile);
    const result: unknown = await handler(request.task, session.context);
    return checkedResult(result);
  } catch (error) {
    return { ok: false, reason: 'threw', error: toErrorRecord(error) };
  } finally {
    await session.close();
  }
}

/**
 * Checked here, not in the supervisor: cloning the result to the supervisor would quietly turn
 * class instances into plain objects and hide that MongoDB cannot store them faithfully.
 */
function checkedResult(result: unknown): RunOutcome {
  try {
    assertStorableShape(result, 'result');
    return { ok: true, result };
  } catch (error) {
    return {
      ok: false,
      reason: 'result-not-storable',
      error: { ...toErrorRecord(error), retryable: false },
    };
  }
}

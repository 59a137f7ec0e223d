import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Logger } from 'pino';
import type { HandlerConfig, HandlerContext, HandlerLogger } from '../handler-types.js';
import { fromErrorRecord } from '../pool/error-record.js';
import {
  LOG_LEVELS,
  type ErrorRecord,
  type HandlerLogLevel,
  type RunRequest,
  type SupervisorCalls,
  type ThreadControl,
} from '../pool/protocol.js';

/**
 * One attempt as seen from inside a pool thread: the handler's `ctx`, wired to the supervisor
 * through the two ports that came with the request. `close` waits for every call the handler
 * made to be answered, so no log line or progress write is lost when the ports close.
 */
export class TaskSession {
  readonly context: HandlerContext;
  private readonly abort = new AbortController();
  private readonly supervisor: Comlink.Remote<SupervisorCalls>;
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly request: RunRequest,
    config: HandlerConfig,
    private readonly threadLogger: Logger,
  ) {
    this.supervisor = Comlink.wrap<SupervisorCalls>(nodeEndpoint(request.calls));
    const control: ThreadControl = { abort: (reason) => this.onAbort(reason) };
    Comlink.expose(control, nodeEndpoint(request.control));

    this.context = {
      signal: this.abort.signal,
      log: this.handlerLogger(),
      heartbeat: () => this.call(() => this.supervisor.heartbeat(), false),
      progress: (value) => this.call(() => this.supervisor.progress(value), undefined),
      config,
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.closed = true;
    this.request.calls.close();
    this.request.control.close();
  }

  private onAbort(reason: ErrorRecord): void {
    this.abort.abort(fromErrorRecord(reason));
  }

  /** Calls the supervisor; after the attempt ended nobody answers, so `late` is returned. */
  private call<T>(send: () => Promise<T>, late: T): Promise<T> {
    if (this.closed) {
      this.threadLogger.warn(
        { taskId: this.request.task.id },
        'handler context used after its attempt',
      );
      return Promise.resolve(late);
    }
    const call = send();
    const settled = () => this.pending.delete(call);
    this.pending.add(call);
    // The handler gets `call` itself and sees its outcome; this branch only tracks it.
    call.then(settled, settled);
    return call;
  }

  private handlerLogger(): HandlerLogger {
    const entries = LOG_LEVELS.map((level) => [
      level,
      (message: string, fields?: Record<string, unknown>) => this.log(level, message, fields),
    ]);
    return Object.fromEntries(entries) as HandlerLogger;
  }

  private log(level: HandlerLogLevel, message: string, fields: Record<string, unknown> = {}): void {
    const sending = this.call(
      () => this.supervisor.log(level, String(message), cloneable(fields)),
      undefined,
    );
    sending.catch((error: unknown) =>
      this.threadLogger.warn({ err: error, taskId: this.request.task.id }, 'handler log line lost'),
    );
  }
}

/** Log fields that cannot be cloned (functions, sockets) are replaced, not failing the call. */
function cloneable(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    structuredClone(fields);
    return fields;
  } catch (error) {
    return { fieldsDropped: error instanceof Error ? error.message : String(error) };
  }
}

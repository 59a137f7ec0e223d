import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { ErrorRecord, SupervisorCalls, ThreadControl } from './protocol.js';

/**
 * The two comlink channels of one attempt, supervisor side. The thread gets `threadPorts` with
 * the request; `supervisor` answers its calls, `control` reaches into it. One port pair per
 * direction: comlink cannot serve and call over the same port.
 */
export class TaskChannel {
  readonly threadPorts: { calls: MessagePort; control: MessagePort };
  private readonly ownPorts: MessagePort[];
  private readonly control: Comlink.Remote<ThreadControl>;

  constructor(calls: SupervisorCalls) {
    const callChannel = new MessageChannel();
    const controlChannel = new MessageChannel();
    Comlink.expose(calls, nodeEndpoint(callChannel.port1));
    this.control = Comlink.wrap<ThreadControl>(nodeEndpoint(controlChannel.port1));

    this.threadPorts = { calls: callChannel.port2, control: controlChannel.port2 };
    this.ownPorts = [callChannel.port1, controlChannel.port1];
  }

  /** Aborts the handler's `ctx.signal`. The answer is not awaited: the thread may be gone. */
  abortThread(reason: ErrorRecord): void {
    void this.control.abort(reason);
  }

  close(): void {
    for (const port of this.ownPorts) port.close();
  }
}

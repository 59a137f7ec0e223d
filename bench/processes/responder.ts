// A responder in its own process, for the waiter and scaling scenarios: started by
// support/child-responder.ts with its settings in TUMNUS_BENCH_RESPONDER (JSON), it answers
// every task of the parent, reports how many it answered, and exits when told to stop.
import { pino } from 'pino';
import Tumnus from '../../sdk/index.js';

interface Settings {
  uri: string;
  dbName: string;
  parent: string;
  concurrency: number;
}

type Command = { type: 'stop' };

const REPORT_EVERY_MS = 50;

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.TUMNUS_BENCH_RESPONDER ?? '') as Settings;
  const logger = pino({ name: 'bench-responder', level: 'warn' }, pino.destination(2));
  const client = new Tumnus({ uri: settings.uri, dbName: settings.dbName, logger });

  let answered = 0;
  let reported = -1;
  const responder = client.tasks.parent(settings.parent).on(
    'created',
    async (task) => {
      await task.send({ status: 'success', payload: null });
      answered += 1;
    },
    { concurrency: settings.concurrency },
  );
  // Not `await responder.ready`: with a backlog waiting, it resolves only once the first sweep
  // has drained it (see the report), and the harness wants to time exactly that drain.
  responder.ready.catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
  process.send?.({ type: 'ready' });

  const timer = setInterval(() => {
    if (answered === reported) return;
    reported = answered;
    process.send?.({ type: 'answered', count: answered });
  }, REPORT_EVERY_MS);

  process.on('message', (command: Command) => {
    if (command.type !== 'stop') return;
    clearInterval(timer);
    void client.close().then(() => process.exit(0));
  });
  // The parent died: nothing left to answer for.
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

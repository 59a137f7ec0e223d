// `npm run soak`: pushes many tasks (20,000 by default) through two runtimes while a chaos loop
// SIGKILLs and restarts them and their handler sometimes kills its own thread, then checks that
// every task finished, that no result was committed twice and that no task ran more often than
// its attempts allow. Prints `soak: N tasks, N lost, N duplicated results` on stdout (progress
// goes to stderr) and exits non-zero when an invariant broke.
//
//   npm run soak -- --tasks 2000            fewer tasks
//   npm run soak -- --minutes 20            a longer time bound (default 14)
//   npm run soak -- --mongo mongodb://...   an existing server (default: an embedded one)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../runtime/embedded-db/index.js';
import Tumnus from '../../sdk/index.js';
import { withDatabaseName } from '../support/test-database.js';
import { FaultWorkspace } from '../faults/support/fault-runtime.js';
import { Chaos } from './chaos.js';
import { progress } from './progress.js';
import { sendAll } from './send-all.js';
import { verify } from './verify.js';

const MAX_ATTEMPTS = 5;
/** A handler run kills its thread this often (`process.exit` in a pool thread). */
const THREAD_EXIT_RATE = 0.002;

const HANDLERS = {
  Soak: {
    options: { maxAttempts: MAX_ATTEMPTS, backoffMs: 200, leaseMs: 2_000, timeoutMs: 30_000 },
    body: `
      if (Math.random() < ${THREAD_EXIT_RATE}) process.exit(1);
      return { run };`,
  },
};

interface SoakArgs {
  tasks: number;
  mongo: string | undefined;
  minutes: number;
}

function readArgs(): SoakArgs {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '20000' },
      mongo: { type: 'string' },
      minutes: { type: 'string', default: '14' },
    },
  });
  const tasks = Number(values.tasks);
  const minutes = Number(values.minutes);
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error('--tasks must be a positive integer');
  if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
  return { tasks, mongo: values.mongo, minutes };
}

async function main(): Promise<number> {
  const args = readArgs();
  const deadline = Date.now() + args.minutes * 60_000;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tumnus-soak-db-'));
  let server: EmbeddedDatabase | undefined;
  const workspace = await FaultWorkspace.create(HANDLERS, { sweepIntervalMs: 2_000 });
  let chaos: Chaos | undefined;
  let client: Tumnus | undefined;

  try {
    server = args.mongo ? undefined : await startEmbeddedDatabase({ dataDir });
    const uri = withDatabaseName(args.mongo ?? server!.uri, `soak_${Date.now()}`);
    progress('database ready', { kind: server?.kind ?? 'external' });

    chaos = new Chaos(workspace, uri, 2);
    cleanUpOnSignal(chaos, server);
    await chaos.startAll();
    client = new Tumnus({ uri, logger: pino({ level: 'error' }) });

    chaos.run();
    // Sending (paced by processing, see sendAll) stops two minutes before the time bound at the
    // latest; what was sent by then is what gets checked, and the summary says how many.
    const sendUntil = deadline - 120_000;
    const sent = await sendAll(client, 'Soak', args.tasks, sendUntil);
    progress('sent', { tasks: sent.handles.length, cutShort: sent.handles.length < args.tasks });
    await sent.waitForTerminal(deadline - 60_000);
    await chaos.stop();
    await sent.waitForTerminal(deadline);

    const report = await verify(uri, sent, await workspace.runs());
    process.stdout.write(
      `soak: ${report.tasks} tasks, ${report.lost} lost, ${report.duplicated} duplicated results\n`,
    );
    progress('details', { ...report, ...chaos.counts });
    return report.ok ? 0 : 1;
  } finally {
    await client?.close();
    await chaos?.shutdown();
    await server?.stop();
    await workspace.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Ctrl-C or a crash of the soak itself: no orphaned runtimes or database left behind. */
function cleanUpOnSignal(chaos: Chaos, server: EmbeddedDatabase | undefined): void {
  process.once('exit', () => chaos.killAllNow());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress('interrupted', { signal });
      void chaos
        .killAll()
        .finally(() => server?.stop())
        .finally(() => process.exit(130));
    });
  }
}

process.exitCode = await main();

import { pino } from 'pino';
import Tumnus from '../../sdk/index.js';
import { ChildResponder } from '../support/child-responder.js';
import { DriverMeter } from '../support/driver-meter.js';
import { mongoClientOf, openCompletionStreams, waitedTaskCount } from '../support/internals.js';
import type { Plan } from '../support/plan.js';
import { spread } from '../support/stats.js';
import { now, sleep, waitUntil, withTimeout } from '../support/time.js';
import type { BenchEnv, BenchSystem } from '../systems/types.js';
import type { ScenarioResult } from './result.js';

const PARENT = 'BenchWait';
const REGISTER_TIMEOUT_MS = 5 * 60_000;
const RESOLVE_TIMEOUT_MS = 10 * 60_000;
const MB = 1024 * 1024;
const IDLE_SETTLE_MS = 5_000;

interface WaiterRound {
  waiters: number;
  resolved: number;
  succeeded: number;
  registerMs: number;
  resolveMs: number;
  heapGrowthMb: number;
  /** With every wait registered but the sends' writes (event, task) still queued in the driver. */
  heapInFlightMb: number;
  heapAfterMb: number;
  rssGrowthMb: number;
  openStreams: number;
  openStreamsWhileWaiting: number;
  connectionsCreated: number;
  peakConnectionsCheckedOut: number;
  serverConnections: { before: number | null; peak: number | null };
}

/**
 * Scenario 4: waiter scale. One process sends `waiters` tasks with `waitForComplete` while no
 * responder runs, so every wait is registered at once; heap is measured (after GC) before and
 * with all of them waiting. Then a responder in another process answers them all. Reports change
 * streams opened by the sender, driver connections used and heap growth.
 */
export async function runWaiters(
  env: BenchEnv,
  _systems: readonly BenchSystem[],
  plan: Plan,
): Promise<ScenarioResult> {
  const p = plan.waiters;
  env.log(`scenario 4 (${p.waiters} concurrent waiters)`);
  const rounds: WaiterRound[] = [];
  for (let round = 0; round < p.rounds; round++) {
    rounds.push(await waiterRound(env, p.waiters));
    env.log(`  round ${round + 1}: ${JSON.stringify(rounds[round])}`);
  }

  const pick = (key: keyof WaiterRound) => spread(rounds.map((r) => r[key] as number));
  const last = rounds[rounds.length - 1];
  return {
    scenario: 'waiters',
    title: `Waiter scale (${p.waiters} concurrent waitForComplete calls in one process)`,
    params: { ...p, gcExposed: typeof global.gc === 'function' },
    cases: [
      {
        case: 'waiters',
        systems: [
          {
            system: 'tumnus',
            label: 'Tumnus (SDK sender; responder in another process)',
            metrics: {
              resolved: pick('resolved'),
              succeeded: pick('succeeded'),
              registerMs: pick('registerMs'),
              resolveMs: pick('resolveMs'),
              heapGrowthMb: pick('heapGrowthMb'),
              heapInFlightMb: pick('heapInFlightMb'),
              heapAfterMb: pick('heapAfterMb'),
              rssGrowthMb: pick('rssGrowthMb'),
              openStreams: pick('openStreams'),
              openStreamsWhileWaiting: pick('openStreamsWhileWaiting'),
              connectionsCreated: pick('connectionsCreated'),
              peakConnectionsCheckedOut: pick('peakConnectionsCheckedOut'),
              serverConnectionsBefore: last?.serverConnections.before ?? null,
              serverConnectionsPeak: last?.serverConnections.peak ?? null,
            },
          },
        ],
      },
    ],
  };
}

async function waiterRound(env: BenchEnv, count: number): Promise<WaiterRound> {
  await env.db.fresh();
  const dbName = env.db.freshDbName('waiters');
  const logger = pino({ name: 'bench-waiters', level: 'warn' }, pino.destination(2));
  const client = new Tumnus({ uri: env.db.uri, dbName, logger, appName: 'bench-waiters' });
  let responder: ChildResponder | null = null;
  try {
    await client.taskParent.create({ name: PARENT });
    await client.connect();
    const meter = new DriverMeter(await mongoClientOf(client));
    const serverBefore = await serverConnections(env);
    const heapBefore = settledMemory();

    const started = now();
    // Settled from the start, so a failure below cannot leave rejections unhandled.
    const results = Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        new client.Task(PARENT).send({ i }, { waitForComplete: true }),
      ),
    );
    await waitUntil(
      () => waitedTaskCount(client) >= count,
      REGISTER_TIMEOUT_MS,
      'waiter registration',
      20,
    );
    const registerMs = now() - started;
    const serverPeak = await serverConnections(env);
    const heapInFlight = settledMemory();
    // Registered is not yet idle: a waiting send registers before it writes its task, and
    // thousands of those writes queue in the driver. Steady waiting is when only the stream's
    // getMore is out.
    await waitUntil(
      () => meter.checkedOut <= 1,
      REGISTER_TIMEOUT_MS,
      'waiting sends to finish writing',
      20,
    );
    // Let the lifecycle-event batches and the driver's buffers of that burst drain too.
    await sleep(IDLE_SETTLE_MS);
    const heapWaiting = settledMemory();
    const streamsWhileWaiting = openCompletionStreams(client);

    const answeredFrom = now();
    responder = await ChildResponder.start({
      uri: env.db.uri,
      dbName,
      parent: PARENT,
      concurrency: 64,
    });
    const settled = await withTimeout(results, RESOLVE_TIMEOUT_MS, 'waiters');
    const resolveMs = now() - answeredFrom;
    const streams = openCompletionStreams(client);
    meter.detach();
    await sleep(10);

    const succeeded = settled.filter(
      (r) => r.status === 'fulfilled' && (r.value as { status: string }).status === 'success',
    ).length;
    return {
      waiters: count,
      resolved: settled.filter((r) => r.status === 'fulfilled').length,
      succeeded,
      registerMs,
      resolveMs,
      heapGrowthMb: (heapWaiting.heap - heapBefore.heap) / MB,
      heapInFlightMb: (heapInFlight.heap - heapBefore.heap) / MB,
      heapAfterMb: (settledMemory().heap - heapBefore.heap) / MB,
      rssGrowthMb: (heapWaiting.rss - heapBefore.rss) / MB,
      openStreams: streams,
      openStreamsWhileWaiting: streamsWhileWaiting,
      connectionsCreated: meter.connectionsCreated,
      peakConnectionsCheckedOut: meter.peakCheckedOut,
      serverConnections: { before: serverBefore, peak: serverPeak },
    };
  } finally {
    await responder?.stop();
    await client.close();
    await env.db.dropDatabase(dbName);
  }
}

function settledMemory(): { heap: number; rss: number } {
  global.gc?.();
  global.gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

/** `serverStatus().connections.current`, or null where the server does not report it. */
async function serverConnections(env: BenchEnv): Promise<number | null> {
  try {
    const status = await env.db.admin.db('admin').command({ serverStatus: 1 });
    const current = (status.connections as { current?: unknown } | undefined)?.current;
    return typeof current === 'number' ? current : null;
  } catch (error) {
    env.log(`  serverStatus unavailable: ${(error as Error).message}`);
    return null;
  }
}

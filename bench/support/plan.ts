/** How big each scenario runs. `full` is what BENCHMARKS.md reports; `quick` is a smoke run. */
export interface Plan {
  mode: 'full' | 'quick';
  throughput: {
    tasks: number;
    /** Agenda polls every 5 s by default; it gets fewer tasks so a round ends in minutes. */
    agendaTasks: number;
    warmUpTasks: number;
    concurrency: number;
    senders: number;
    rounds: number;
  };
  requestReply: {
    senders: number;
    concurrency: number;
    durationMs: number;
    /** Agenda needs up to one poll period per reply: a longer window gives it a fair count. */
    agendaDurationMs: number;
    warmUpMs: number;
    rounds: number;
  };
  latency: {
    ratePerSec: number;
    tasks: number;
    warmUpTasks: number;
    concurrency: number;
    rounds: number;
  };
  waiters: { waiters: number; rounds: number };
  scaling: { tasks: number; concurrency: number; cpuTasks: number; cpuMs: number; rounds: number };
}

/**
 * On the Java wire server a sorted claim scans the whole backlog, so the floor's cost per task
 * grows with the backlog (a 5,000-task floor run took 220 s): these sizes keep `npm run bench`
 * near 15 minutes there. Real MongoDB gets FULL as the issue sets it.
 */
const JAVA_SERVER_FULL: Partial<Plan> = {
  throughput: {
    tasks: 1_000,
    agendaTasks: 1_000,
    warmUpTasks: 200,
    concurrency: 64,
    senders: 64,
    rounds: 3,
  },
};

const FULL: Plan = {
  mode: 'full',
  throughput: {
    tasks: 20_000,
    agendaTasks: 2_000,
    warmUpTasks: 2_000,
    concurrency: 64,
    senders: 64,
    rounds: 3,
  },
  requestReply: {
    senders: 64,
    concurrency: 64,
    durationMs: 5_000,
    agendaDurationMs: 10_000,
    warmUpMs: 1_000,
    rounds: 3,
  },
  latency: { ratePerSec: 50, tasks: 300, warmUpTasks: 50, concurrency: 64, rounds: 3 },
  waiters: { waiters: 10_000, rounds: 1 },
  scaling: { tasks: 1_000, concurrency: 64, cpuTasks: 200, cpuMs: 20, rounds: 3 },
};

const QUICK: Plan = {
  mode: 'quick',
  throughput: {
    tasks: 300,
    agendaTasks: 100,
    warmUpTasks: 50,
    concurrency: 64,
    senders: 64,
    rounds: 1,
  },
  requestReply: {
    senders: 64,
    concurrency: 64,
    durationMs: 1_500,
    agendaDurationMs: 5_000,
    warmUpMs: 300,
    rounds: 1,
  },
  latency: { ratePerSec: 50, tasks: 100, warmUpTasks: 10, concurrency: 64, rounds: 1 },
  waiters: { waiters: 1_000, rounds: 1 },
  scaling: { tasks: 300, concurrency: 64, cpuTasks: 20, cpuMs: 20, rounds: 1 },
};

export function planFor(
  quick: boolean,
  databaseKind: string,
  rounds: number | undefined,
  tasks?: number,
): Plan {
  const full = databaseKind === 'java-wire-server' ? { ...FULL, ...JAVA_SERVER_FULL } : FULL;
  const base = structuredClone(quick ? QUICK : full);
  // The issue asks for the same task count for every system: Agenda's smaller default yields.
  if (tasks !== undefined) base.throughput.tasks = base.throughput.agendaTasks = tasks;
  if (rounds === undefined) return base;
  for (const key of ['throughput', 'requestReply', 'latency', 'waiters', 'scaling'] as const) {
    base[key].rounds = rounds;
  }
  return base;
}

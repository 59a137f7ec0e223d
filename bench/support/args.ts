import { parseArgs } from 'node:util';

/** The scenarios of issue 5, by number and by name. */
export const SCENARIOS = Object.freeze({
  1: 'throughput',
  2: 'request-reply',
  3: 'latency',
  4: 'waiters',
  5: 'scaling',
} as const);

export type ScenarioName = (typeof SCENARIOS)[keyof typeof SCENARIOS];

export const SYSTEM_NAMES = Object.freeze([
  'tumnus',
  'runtime',
  'floor',
  'agenda',
  'bullmq',
] as const);
export type SystemName = (typeof SYSTEM_NAMES)[number];

export interface BenchArgs {
  quick: boolean;
  scenarios: ScenarioName[];
  systems: SystemName[];
  /** Overrides the mode's round count. */
  rounds: number | undefined;
  /** Overrides scenario 1's task count (not Agenda's). */
  tasks: number | undefined;
  /** Skip regenerating BENCHMARKS.md at the end. */
  report: boolean;
}

const USAGE = `usage: npm run bench -- [--quick] [--scenario 1,3|throughput,latency]
                       [--systems tumnus,runtime,floor,agenda,bullmq] [--rounds N] [--tasks N] [--no-report]`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true },
      systems: { type: 'string' },
      rounds: { type: 'string' },
      tasks: { type: 'string' },
      'no-report': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }

  return {
    quick: values.quick ?? false,
    scenarios: parseScenarios(values.scenario),
    systems: parseSystems(values.systems),
    rounds: parseRounds(values.rounds),
    tasks: parseTasks(values.tasks),
    report: !(values['no-report'] ?? false),
  };
}

function parseScenarios(raw: string[] | undefined): ScenarioName[] {
  const all = Object.values(SCENARIOS);
  if (!raw || raw.length === 0) return [...all];

  const picked = new Set<ScenarioName>();
  for (const item of raw.flatMap((value) => value.split(','))) {
    const key = item.trim();
    const byNumber = SCENARIOS[Number(key) as keyof typeof SCENARIOS];
    const name = byNumber ?? all.find((scenario) => scenario === key);
    if (!name) throw new Error(`--scenario ${key} is unknown (known: 1-5, ${all.join(', ')})`);
    picked.add(name);
  }
  return all.filter((name) => picked.has(name));
}

function parseSystems(raw: string | undefined): SystemName[] {
  if (!raw) return [...SYSTEM_NAMES];
  const names = raw.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!SYSTEM_NAMES.includes(name as SystemName)) {
      throw new Error(`--systems ${name} is unknown (known: ${SYSTEM_NAMES.join(', ')})`);
    }
  }
  return SYSTEM_NAMES.filter((name) => names.includes(name));
}

function parseRounds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const rounds = Number(raw);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    throw new Error('--rounds must be an integer from 1 to 20');
  }
  return rounds;
}

function parseTasks(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const tasks = Number(raw);
  if (!Number.isInteger(tasks) || tasks < 1 || tasks > 1_000_000) {
    throw new Error('--tasks must be an integer from 1 to 1000000');
  }
  return tasks;
}

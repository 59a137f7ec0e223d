import { ms, num, percent, ratio, table } from './format.js';
import { findSystem, medianOf, p, type LoadedResults, type StoredResult } from './types.js';

export function environmentSection(results: LoadedResults): string {
  const any = Object.values(results).find(Boolean) as StoredResult | undefined;
  if (!any) return '_No results yet: run `npm run bench`._';
  const e = any.environment;
  const db =
    e.database.kind === 'java-wire-server'
      ? `**Java MongoDB wire server** (mongo-java-server, in memory; reports ${e.database.version})`
      : `${e.database.kind} ${e.database.version}`;
  const runs = Object.values(results)
    .filter((r): r is StoredResult => Boolean(r))
    .map((r) => `${r.scenario} ${r.environment.startedAt.slice(0, 16).replace('T', ' ')}`);
  const rows = [
    ['Runs (UTC)', `${runs.join('; ')} — mode \`${e.mode}\``],
    ['Machine', `${e.cpu}, ${e.cores} cores, ${e.memoryGb} GB`],
    ['Node.js', e.node],
    ['MongoDB-compatible server', db],
    ['Redis (BullMQ)', e.redis ?? 'not available'],
    [
      'Packages',
      Object.entries(e.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
  ];
  const caveat =
    e.database.kind === 'java-wire-server'
      ? '\n\n> **Read the ratios, not the absolute numbers.** No `mongod` can be had on this ' +
        'machine, so every MongoDB-backed system (Tumnus, the floor, Agenda) ran against the ' +
        "in-memory Java wire server used by the tests. Its figures are not MongoDB's: it takes " +
        'a lock per collection write, and it answers a sorted query by scanning and sorting every ' +
        'matching document instead of walking the index, so one claim costs time proportional to ' +
        'the backlog (see Findings). Compare systems within this run; do not compare absolute ' +
        'numbers across runs or servers. BullMQ ran on a real (in-memory) Redis.'
      : '';
  return `## Environment\n\n${table(['', ''], rows)}${caveat}`;
}

interface Target {
  target: string;
  measured: string;
  met: boolean | null;
}

const verdict = (met: boolean | null) =>
  met === null ? 'not measured' : met ? 'met' : '**missed**';

export function targetsSection(results: LoadedResults): string {
  const targets = [
    ...throughputTargets(results),
    ...latencyTargets(results),
    ...waiterTargets(results),
  ];
  const rows = targets.map((t) => [t.target, t.measured, verdict(t.met)]);
  return `## Targets\n\nFrom issue 5; reported, not asserted.\n\n${table(['Target', 'Measured', ''], rows)}`;
}

function throughputTargets(results: LoadedResults): Target[] {
  const t = results.throughput;
  const rate = (system: string) => medianOf(findSystem(t, 'noop', system), 'tasksPerSec');
  const [tumnus, floor, agenda, bull] = ['tumnus', 'floor', 'agenda', 'bullmq'].map(rate);
  const runtime = rate('runtime');
  const share = (a?: number, b?: number) => (a && b ? a / b : undefined);
  return [
    {
      target: 'Scenario 1 (no-op): Tumnus ≥ 60 % of the floor',
      measured:
        `${percent(tumnus, floor)} (${num(tumnus)} vs ${num(floor)} tasks/s)` +
        (runtime ? `; runtime pool: ${percent(runtime, floor)}` : ''),
      met: tumnus && floor ? tumnus / floor >= 0.6 : null,
    },
    {
      target: 'Scenario 1 (no-op): Tumnus ≥ 10× Agenda',
      measured: `${ratio(tumnus, agenda)} (${num(tumnus)} vs ${num(agenda)} tasks/s)`,
      met: share(tumnus, agenda) === undefined ? null : (share(tumnus, agenda) as number) >= 10,
    },
    {
      target: 'Scenario 1 (no-op): Tumnus ≥ 0.5× BullMQ (stretch: 1×)',
      measured: `${ratio(tumnus, bull)} (${num(tumnus)} vs ${num(bull)} tasks/s)`,
      met: share(tumnus, bull) === undefined ? null : (share(tumnus, bull) as number) >= 0.5,
    },
  ];
}

function latencyTargets(results: LoadedResults): Target[] {
  const l = results.latency;
  const tumnus = findSystem(l, 'noop', 'tumnus');
  const agenda = findSystem(l, 'noop', 'agenda');
  const startP50 = p(tumnus, 'start', 'p50');
  const startP99 = p(tumnus, 'start', 'p99');
  const resultP50 = p(tumnus, 'result', 'p50');
  const agendaP50 = p(agenda, 'result', 'p50');
  return [
    {
      target: 'Scenario 3: p50 send → handler start ≤ 5 ms',
      measured: ms(startP50),
      met: startP50 === undefined ? null : startP50 <= 5,
    },
    {
      target: 'Scenario 3: p99 send → handler start ≤ 25 ms',
      measured: ms(startP99),
      met: startP99 === undefined ? null : startP99 <= 25,
    },
    {
      target: "Scenario 3: p50 send → result ≥ 100× lower than Agenda's (default polling)",
      measured: `${ratio(agendaP50, resultP50)} (${ms(resultP50)} vs ${ms(agendaP50)})`,
      met: resultP50 && agendaP50 ? agendaP50 / resultP50 >= 100 : null,
    },
  ];
}

function waiterTargets(results: LoadedResults): Target[] {
  const w = findSystem(results.waiters, 'waiters', 'tumnus');
  const streams = medianOf(w, 'openStreams');
  const heap = medianOf(w, 'heapGrowthMb');
  const resolved = medianOf(w, 'resolved');
  const count = results.waiters?.params.waiters as number | undefined;
  return [
    {
      target: `Scenario 4: ${count ?? 10_000} waiters all resolve on one change stream`,
      measured: `${num(resolved)} resolved; ${num(streams)} completion stream(s) open`,
      met: resolved === undefined ? null : resolved === count && streams === 1,
    },
    {
      target: 'Scenario 4: heap growth ≤ 50 MB',
      measured: heap === undefined ? '–' : `${num(heap)} MB`,
      met: heap === undefined ? null : heap <= 50,
    },
  ];
}

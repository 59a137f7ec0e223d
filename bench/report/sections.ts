import type { SystemResult } from '../scenarios/result.js';
import type { Spread } from '../support/stats.js';
import { ms, num, percent, ratio, spreadText, table } from './format.js';
import { findSystem, medianOf, p, type LoadedResults, type StoredResult } from './types.js';

const failed = (s: SystemResult) => `not run: ${s.error}`;

export function renderSections(results: LoadedResults): string {
  return [
    throughputSection(results.throughput),
    requestReplySection(results['request-reply']),
    latencySection(results.latency),
    waitersSection(results.waiters),
    scalingSection(results.scaling),
  ]
    .filter(Boolean)
    .join('\n\n');
}

function throughputSection(r: StoredResult | undefined): string {
  if (!r) return '';
  const parts = [`## 1. ${r.title}`, '', paramsLine(r)];
  for (const c of r.cases) {
    const floor = medianOf(findSystem(r, c.case, 'floor'), 'tasksPerSec');
    const tumnus = medianOf(findSystem(r, c.case, 'tumnus'), 'tasksPerSec');
    const rows = c.systems.map((s) => {
      if (s.error) return [s.label, '–', failed(s), '', '', ''];
      const rate = s.metrics.tasksPerSec as Spread;
      return [
        s.label,
        num((s.params?.tasks as number) ?? 0),
        spreadText(rate),
        spreadText(s.metrics.ms as Spread, ms),
        percent(rate.median, floor),
        s.system === 'tumnus' ? '1×' : ratio(tumnus, rate.median),
      ];
    });
    const header = [
      'System',
      'Tasks',
      'Tasks/s',
      'First send → last result',
      '% of floor',
      'Tumnus ÷ it',
    ];
    parts.push('', `### Handler: ${caseTitle(c.case)}`, '', table(header, rows));
  }
  return parts.join('\n');
}

function requestReplySection(r: StoredResult | undefined): string {
  if (!r) return '';
  const c = r.cases[0];
  if (!c) return '';
  const tumnus = medianOf(findSystem(r, c.case, 'tumnus'), 'repliesPerSec');
  const floor = medianOf(findSystem(r, c.case, 'floor'), 'repliesPerSec');
  const rows = c.systems.map((s) => {
    if (s.error) return [s.label, failed(s), '', '', ''];
    const rate = s.metrics.repliesPerSec as Spread;
    return [
      s.label,
      spreadText(rate),
      ms((s.params?.durationMs as number) ?? 0),
      percent(rate.median, floor),
      s.system === 'tumnus' ? '1×' : ratio(tumnus, rate.median),
    ];
  });
  const header = ['System', 'Replies/s', 'Window', '% of floor', 'Tumnus ÷ it'];
  return [`## 2. ${r.title}`, '', paramsLine(r), '', table(header, rows)].join('\n');
}

function latencySection(r: StoredResult | undefined): string {
  if (!r) return '';
  const c = r.cases[0];
  if (!c) return '';
  const triple = (s: SystemResult, metric: string) =>
    p(s, metric, 'p50') === undefined
      ? '–'
      : `${ms(p(s, metric, 'p50'))} / ${ms(p(s, metric, 'p95'))} / ${ms(p(s, metric, 'p99'))}`;
  const rows = c.systems.map((s) =>
    s.error
      ? [s.label, failed(s), '', '']
      : [s.label, triple(s, 'start'), triple(s, 'committed'), triple(s, 'result')],
  );
  const header = [
    'System',
    'send → start (p50 / p95 / p99)',
    'send → committed',
    'send → result seen by sender',
  ];
  const notes = [
    '',
    '"Result seen by sender": Tumnus `send(..., { waitForComplete: true })` (the shared change ' +
      'stream); BullMQ `job.waitUntilFinished()`; Agenda has no such API, so its `complete` ' +
      'event in the same process stands in; the floor is told in-process. The runtime row has ' +
      'only the sender-side figure (its handler runs in another process).',
  ];
  return [`## 3. ${r.title}`, '', paramsLine(r), '', table(header, rows), ...notes].join('\n');
}

function waitersSection(r: StoredResult | undefined): string {
  if (!r) return '';
  const s = r.cases[0]?.systems[0];
  if (!s) return '';
  if (s.error) return `## 4. ${r.title}\n\n${failed(s)}`;
  const m = (key: string, unit?: (v: number) => string) =>
    spreadText(s.metrics[key] as Spread | undefined, unit);
  const rows = [
    ['Waits resolved (of them succeeded)', `${m('resolved')} (${m('succeeded')})`],
    [
      'Completion change streams the sender held, all waiting / all resolved',
      `${m('openStreamsWhileWaiting')} / ${m('openStreams')}`,
    ],
    [
      'Driver connections created while waiting / most in use at once',
      `${m('connectionsCreated')} / ${m('peakConnectionsCheckedOut')}`,
    ],
    ['Server connections (serverStatus) before / with all waiting', serverConnections(r, s)],
    ['Heap growth, every wait registered and idle (after GC)', `${m('heapGrowthMb')} MB`],
    [
      'Heap growth, every wait registered, their sends still writing (after GC)',
      `${m('heapInFlightMb')} MB`,
    ],
    ['Heap after all resolved, vs before (after GC)', `${m('heapAfterMb')} MB`],
    ['RSS growth with every waiter registered', `${m('rssGrowthMb')} MB`],
    ['Time to send and register every wait', m('registerMs', ms)],
    ['Responder start → every wait resolved', m('resolveMs', ms)],
  ];
  const notes = (s.notes ?? []).map((n) => `- ${n}`);
  return [
    `## 4. ${r.title}`,
    '',
    paramsLine(r),
    '',
    table(['', 'Tumnus'], rows),
    '',
    ...notes,
  ].join('\n');
}

/** The Java wire server answers serverStatus but counts connections wrongly (always 1). */
function serverConnections(r: StoredResult, s: SystemResult): string {
  if (r.environment.database.kind === 'java-wire-server') return 'not reported by this server';
  const value = (key: string) => num(s.metrics[key] as number | null);
  return `${value('serverConnectionsBefore')} / ${value('serverConnectionsPeak')}`;
}

function scalingSection(r: StoredResult | undefined): string {
  if (!r) return '';
  const parts = [`## 5. ${r.title}`, '', paramsLine(r)];
  for (const c of r.cases) {
    const one = medianOf(c.systems[0], 'tasksPerSec');
    const rows = c.systems.map((s) =>
      s.error
        ? [s.label, failed(s), '']
        : [
            s.label,
            spreadText(s.metrics.tasksPerSec as Spread),
            ratio(medianOf(s, 'tasksPerSec'), one),
          ],
    );
    parts.push(
      '',
      `### ${caseTitle(c.case)}`,
      '',
      table(['Configuration', 'Tasks/s', 'vs one'], rows),
    );
  }
  return parts.join('\n');
}

function caseTitle(name: string): string {
  const titles: Record<string, string> = {
    noop: 'no-op',
    sleep5: 'awaits a 5 ms timer',
    'responder-processes': 'SDK responder processes (no-op handler)',
    'pool-threads': 'Runtime pool threads (CPU-bound handler)',
  };
  return titles[name] ?? name;
}

function paramsLine(r: StoredResult): string {
  const text = Object.entries(r.params)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? num(v) : String(v)}`)
    .join(', ');
  return `<sub>Parameters: ${text}.</sub>`;
}

import path from 'node:path';
import { renderBarChart } from './chart.js';
import { findSystem, medianOf, p, type LoadedResults } from './types.js';

const COLORS: Record<string, string> = {
  tumnus: '#2f6fdd',
  runtime: '#7aa6f0',
  floor: '#5c5c5c',
  agenda: '#d9822b',
  bullmq: '#c0392b',
};

export interface RenderedChart {
  file: string;
  alt: string;
}

/** Draws the report's charts into `dir`; returns their paths relative to `relativeTo`. */
export function renderCharts(
  results: LoadedResults,
  dir: string,
  relativeTo: string,
): RenderedChart[] {
  const charts: RenderedChart[] = [];
  const kind = Object.values(results).find(Boolean)?.environment.database.kind ?? '';
  const server = kind === 'java-wire-server' ? 'the in-memory Java wire server' : kind;
  const subtitle = `MongoDB-backed systems on ${server}; BullMQ on Redis. Median of the rounds.`;

  const t = results.throughput;
  if (t) {
    const systems = t.cases[0]?.systems ?? [];
    const file = path.join(dir, 'throughput.png');
    renderBarChart(
      {
        title: 'Fire-and-forget throughput (tasks/s, higher is better)',
        subtitle,
        categories: t.cases.map((c) =>
          c.case === 'noop' ? 'no-op handler' : '5 ms async handler',
        ),
        series: systems.map((s) => ({
          label: s.label,
          color: COLORS[s.system] ?? '#888',
          values: t.cases.map(
            (c) => medianOf(findSystem(t, c.case, s.system), 'tasksPerSec') ?? null,
          ),
        })),
        yLabel: 'tasks per second (log scale)',
        logarithmic: true,
      },
      file,
    );
    charts.push({
      file: path.relative(relativeTo, file),
      alt: 'Fire-and-forget throughput per system',
    });
  }

  const l = results.latency;
  if (l) {
    const systems = (l.cases[0]?.systems ?? []).filter((s) => !s.error);
    const file = path.join(dir, 'latency.png');
    const metric = (s: string) =>
      findSystem(l, 'noop', s)?.metrics.result ? 'result' : 'committed';
    renderBarChart(
      {
        title: 'Latency at ~50 tasks/s, send → result (ms, lower is better)',
        subtitle,
        categories: ['p50', 'p95', 'p99'],
        series: systems.map((s) => ({
          label: s.label,
          color: COLORS[s.system] ?? '#888',
          values: (['p50', 'p95', 'p99'] as const).map(
            (q) => p(findSystem(l, 'noop', s.system), metric(s.system), q) ?? null,
          ),
        })),
        yLabel: 'milliseconds (log scale)',
        logarithmic: true,
      },
      file,
    );
    charts.push({ file: path.relative(relativeTo, file), alt: 'Latency percentiles per system' });
  }
  return charts;
}

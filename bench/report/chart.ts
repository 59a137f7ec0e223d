import { writeFileSync } from 'node:fs';
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';

Chart.register(...registerables);
Chart.defaults.font.family = 'DejaVu Sans';
Chart.defaults.font.size = 14;
Chart.defaults.color = '#222';

export interface BarSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

export interface BarChart {
  title: string;
  subtitle?: string;
  categories: string[];
  series: BarSeries[];
  yLabel: string;
  logarithmic?: boolean;
  horizontal?: boolean;
}

const WIDTH = 1200;
const HEIGHT = 640;

/** Paints the background white: PNGs are read on dark and light pages alike. */
const whiteBackground: Plugin<'bar'> = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Values drawn at the end of each bar, so the figure reads without the table. */
const valueLabels: Plugin<'bar'> = {
  id: 'valueLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.font = '12px DejaVu Sans';
    ctx.fillStyle = '#222';
    chart.data.datasets.forEach((dataset, i) => {
      chart.getDatasetMeta(i).data.forEach((bar, j) => {
        const value = dataset.data[j];
        if (typeof value !== 'number') return;
        const { x, y } = bar.getProps(['x', 'y'], true) as { x: number; y: number };
        const horizontal = chart.options.indexAxis === 'y';
        ctx.textAlign = horizontal ? 'left' : 'center';
        ctx.textBaseline = horizontal ? 'middle' : 'bottom';
        ctx.fillText(formatValue(value), horizontal ? x + 4 : x, horizontal ? y : y - 3);
      });
    });
    ctx.restore();
  },
};

function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Draws a grouped bar chart to a PNG file with Chart.js on a Skia canvas. */
export function renderBarChart(spec: BarChart, file: string): void {
  const canvas = createCanvas(WIDTH, HEIGHT);
  const valueAxis = spec.horizontal ? 'x' : 'y';
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: spec.categories,
      datasets: spec.series.map((s) => ({
        label: s.label,
        data: s.values,
        backgroundColor: s.color,
      })),
    },
    options: {
      indexAxis: spec.horizontal ? 'y' : 'x',
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      layout: { padding: { right: spec.horizontal ? 60 : 16, top: 20 } },
      plugins: {
        title: { display: true, text: spec.title, font: { size: 20, weight: 'bold' } },
        subtitle: { display: Boolean(spec.subtitle), text: spec.subtitle ?? '' },
        legend: { position: 'bottom' },
      },
      scales: {
        [valueAxis]: {
          type: spec.logarithmic ? 'logarithmic' : 'linear',
          title: { display: true, text: spec.yLabel },
          grid: { color: '#e4e4e4' },
        },
      },
    },
    plugins: [whiteBackground, valueLabels],
  };

  const context = canvas.getContext('2d') as unknown as ConstructorParameters<typeof Chart>[0];
  const chart = new Chart(context, config);
  writeFileSync(file, canvas.toBuffer('image/png'));
  chart.destroy();
}

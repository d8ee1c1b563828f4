import { isoDate } from './describe.ts';
import { formatQuantity } from './quantity.ts';
import type { TimedValue } from './trend.ts';

// A small plot for the terminal: the samples as dots, the trend line beyond them to the
// limit, the limit as a rule. Pure: points in, lines of text out.
//
//   1000 GB ┤───────────────────────────────────────────────────×──── limit
//           │                                        ·······
//    850 GB ┤                     •••••••••····
//           │       ••••••••••••••
//    700 GB ┤•••••••
//           └┬──────────────────────────┬───────────────────────┬────
//            2026-10-29                 now                     2027-02-25

export interface TrendChart {
  samples: readonly TimedValue[];
  /** The trend line's points (first sample, now, crossing or one window ahead). */
  projection: readonly TimedValue[];
  limit: number;
  unit: string;
  now: number;
  width?: number;
  height?: number;
}

const SAMPLE = '•';
const TREND = '·';
const LIMIT = '─';
const CROSSING = '×';

export function renderTrendChart(chart: TrendChart): string[] {
  const width = Math.max(20, chart.width ?? 64);
  const height = Math.max(4, chart.height ?? 10);
  const times = [...chart.samples, ...chart.projection].map((p) => p.at);
  if (chart.samples.length === 0 || times.length === 0) return ['(no samples to draw)'];
  const start = Math.min(...times);
  const end = Math.max(...times, chart.now);
  const values = [...chart.samples, ...chart.projection].map((p) => p.value);
  let low = Math.min(...values, chart.limit);
  let high = Math.max(...values, chart.limit);
  if (high === low) {
    high += 1;
    low -= 1;
  }
  const column = (at: number) => Math.round(((at - start) / Math.max(1, end - start)) * (width - 1));
  const row = (value: number) => Math.round(((high - value) / (high - low)) * (height - 1));
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const put = (r: number, c: number, mark: string) => {
    const line = grid[r];
    if (line !== undefined && c >= 0 && c < width) line[c] = mark;
  };

  const limitRow = row(chart.limit);
  for (let c = 0; c < width; c++) put(limitRow, c, LIMIT);
  // The trend: linear between consecutive projection points, one mark per column.
  for (let i = 1; i < chart.projection.length; i++) {
    const a = chart.projection[i - 1] as TimedValue;
    const b = chart.projection[i] as TimedValue;
    for (let c = column(a.at); c <= column(b.at); c++) {
      const at = start + (c / (width - 1)) * (end - start);
      const share = b.at === a.at ? 1 : (at - a.at) / (b.at - a.at);
      put(row(a.value + share * (b.value - a.value)), c, TREND);
    }
  }
  // Samples over the trend: each column shows the mean of its samples.
  const sums = new Map<number, { sum: number; count: number }>();
  for (const sample of chart.samples) {
    const c = column(sample.at);
    const cell = sums.get(c) ?? { sum: 0, count: 0 };
    cell.sum += sample.value;
    cell.count += 1;
    sums.set(c, cell);
  }
  for (const [c, cell] of sums) put(row(cell.sum / cell.count), c, SAMPLE);
  const last = chart.projection.at(-1);
  if (last !== undefined && Math.abs(last.value - chart.limit) <= (high - low) * 1e-9)
    put(limitRow, column(last.at), CROSSING);

  const labels = grid.map((_, r) =>
    r === 0 || r === height - 1 || r === limitRow || r === Math.floor((height - 1) / 2)
      ? formatQuantity(high - (r / (height - 1)) * (high - low), chart.unit)
      : '',
  );
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const lines = grid.map((cells, r) => {
    const label = labels[r] ?? '';
    const rule = label === '' ? '│' : '┤';
    const suffix = r === limitRow ? ' limit' : '';
    return `${label.padStart(labelWidth)} ${rule}${cells.join('')}${suffix}`.trimEnd();
  });

  const ticks = [
    { c: 0, text: isoDate(start) },
    { c: column(chart.now), text: 'now' },
    { c: width - 1, text: isoDate(end) },
  ];
  const axis = Array.from({ length: width }, () => '─');
  const names = Array.from({ length: width + 12 }, () => ' ');
  for (const tick of ticks) {
    axis[tick.c] = '┬';
    // Right-aligned at the last tick so the date stays inside the line.
    const from = tick.c === width - 1 ? Math.max(0, tick.c - tick.text.length + 1) : tick.c;
    if (names.slice(from, from + tick.text.length + 1).every((ch) => ch === ' '))
      for (let i = 0; i < tick.text.length; i++) names[from + i] = tick.text[i] as string;
  }
  lines.push(`${' '.repeat(labelWidth)} └${axis.join('')}`);
  lines.push(`${' '.repeat(labelWidth)}  ${names.join('').trimEnd()}`);
  lines.push(`${' '.repeat(labelWidth)}  ${SAMPLE} samples  ${TREND} trend  ${LIMIT} limit`);
  return lines;
}

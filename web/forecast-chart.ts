import { formatQuantity } from '../src/forecast/quantity.ts';
import type { TimedValue } from '../src/forecast/trend.ts';
import { type Html, html } from './html.ts';

// A forecast service's chart, drawn on the server as SVG: the samples the trend was fitted
// on, the trend line carried on to where it meets the limit, the limit itself and "now".
// Pure, so it is tested without a page.

export interface ForecastChartInput {
  /** The samples fitted, oldest first (already averaged down to a few hundred). */
  points: readonly TimedValue[];
  /** The trend line: first sample, now, and the crossing (or one window past now). */
  projection: readonly TimedValue[];
  limit: number;
  unit: string;
  now: number;
  /** When the trend meets the limit, if it does. */
  crossingAt?: number;
  label: string;
}

export const WIDTH = 1000;
export const HEIGHT = 240;
/** Room at the top and bottom so the lines never sit on the edge. */
const PAD = 12;

/** The value range drawn: every sample, the projection and the limit, with a little room. */
export function valueRange(input: Pick<ForecastChartInput, 'points' | 'projection' | 'limit'>): {
  low: number;
  high: number;
} {
  let low = input.limit;
  let high = input.limit;
  for (const p of [...input.points, ...input.projection]) {
    low = Math.min(low, p.value);
    high = Math.max(high, p.value);
  }
  if (high === low) return { low: low - 1, high: high + 1 };
  return { low, high };
}

export function forecastChart(input: ForecastChartInput): Html {
  const all = [...input.points, ...input.projection];
  if (all.length === 0) return html`<p class="muted">No samples to draw.</p>`;
  const start = Math.min(...all.map((p) => p.at));
  const end = Math.max(input.now, ...all.map((p) => p.at));
  const { low, high } = valueRange(input);
  // The right edge keeps room for the crossing's dot.
  const x = (at: number) => (end === start ? 0 : ((at - start) / (end - start)) * (WIDTH - PAD));
  const y = (value: number) => PAD + (1 - (value - low) / (high - low)) * (HEIGHT - 2 * PAD);
  const path = (points: readonly TimedValue[]) =>
    points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const quantity = (value: number) => formatQuantity(value, input.unit);
  const day = (at: number) => new Date(at).toISOString().slice(0, 10);
  const limitY = y(input.limit).toFixed(1);
  const crossing =
    input.crossingAt === undefined
      ? ''
      : html`<circle class="crossing" cx="${x(input.crossingAt).toFixed(1)}" cy="${limitY}" r="5"><title>meets the limit about ${day(input.crossingAt)}</title></circle>`;
  return html`<svg class="forecast-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${input.label}: samples from ${day(start)}, trend to ${day(end)}, limit ${quantity(input.limit)}">
<line class="limit" x1="0" x2="${WIDTH}" y1="${limitY}" y2="${limitY}"><title>limit ${quantity(input.limit)}</title></line>
<line class="now" x1="${x(input.now).toFixed(1)}" x2="${x(input.now).toFixed(1)}" y1="0" y2="${HEIGHT}"><title>now</title></line>
<polyline class="samples" points="${path(input.points)}"><title>${input.points.length} samples</title></polyline>
<polyline class="trend" points="${path(input.projection)}"><title>trend</title></polyline>
${crossing}
</svg>
<div class="timeline-axis"><span>${day(start)}</span><span>${quantity(low)} – ${quantity(high)}; limit ${quantity(input.limit)}</span><span>${day(end)}</span></div>`;
}

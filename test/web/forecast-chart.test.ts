// A forecast service's page: the chart drawn from generated series stays inside its frame
// with the limit and the crossing where they belong; and, against a real daemon and store,
// the page of a forecast service shows the check's sentence and the trend of what it reads.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { CheckResult } from '../../src/model/types.ts';
import { forecastChart, HEIGHT, valueRange, WIDTH } from '../../web/forecast-chart.ts';
import { type ApiHarness, startHarness } from '../api/harness.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 28, 12);

const numbers = (svg: string, attribute: string) =>
  [...svg.matchAll(new RegExp(`${attribute}="([^"]+)"`, 'g'))].flatMap((m) =>
    (m[1] as string)
      .split(/[ ,]/)
      .filter((t) => t !== '')
      .map(Number),
  );

test('forecast chart: every line inside the frame, the limit line at the limit, the crossing on it', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { minLength: 1, maxLength: 80 }),
      fc.double({ min: -1e12, max: 1e12, noNaN: true }),
      fc.integer({ min: 1, max: 400 }),
      (values, limit, crossingDays) => {
        const points = values.map((value, i) => ({ at: NOW - (values.length - i) * HOUR, value }));
        const crossingAt = NOW + crossingDays * DAY;
        const projection = [
          { at: points[0]?.at as number, value: values[0] as number },
          { at: NOW, value: values.at(-1) as number },
          { at: crossingAt, value: limit },
        ];
        const svg = forecastChart({
          points,
          projection,
          limit,
          unit: 'B',
          now: NOW,
          crossingAt,
          label: 'disk',
        }).text;
        const xs = [...numbers(svg, 'x1'), ...numbers(svg, 'x2'), ...numbers(svg, 'cx')];
        const ys = [...numbers(svg, 'y1'), ...numbers(svg, 'y2'), ...numbers(svg, 'cy')];
        for (const x of xs) assert.ok(x >= 0 && x <= WIDTH, `x ${x}`);
        for (const y of ys) assert.ok(y >= 0 && y <= HEIGHT, `y ${y}`);
        const polylines = [...svg.matchAll(/points="([^"]*)"/g)].map((m) => (m[1] as string).split(' '));
        assert.equal(polylines[0]?.length, points.length, 'one vertex per sample');
        for (const vertex of polylines.flat()) {
          const [x, y] = vertex.split(',').map(Number) as [number, number];
          assert.ok(x >= 0 && x <= WIDTH && y >= 0 && y <= HEIGHT, vertex);
        }
        const limitY = Number(/<line class="limit"[^>]* y1="([\d.]+)"/.exec(svg)?.[1]);
        assert.equal(Number(/<circle class="crossing"[^>]* cy="([\d.]+)"/.exec(svg)?.[1]), limitY);
        // The crossing is the rightmost point: the chart ends where the trend meets the limit.
        const crossingX = Number(/<circle class="crossing" cx="([\d.]+)"/.exec(svg)?.[1]);
        for (const vertex of polylines.flat()) {
          const x = Number(vertex.split(',')[0]);
          assert.ok(x <= crossingX, `${x} right of the crossing at ${crossingX}`);
        }
        const { low, high } = valueRange({ points, projection, limit });
        assert.ok(low <= Math.min(limit, ...values) && high >= Math.max(limit, ...values));
      },
    ),
  );
});

let api: ApiHarness;

before(async () => {
  api = await startHarness(`
hosts:
  - name: db-1
    services:
      - name: disk-data
        interval: 1h
        check: { kind: dummy }
      - name: storage forecast
        interval: 1h
        check: { kind: forecast, object: disk-data, label: used, what: "storage <b>" }
`);
  // A 1,000 GB disk with 700 GB used, growing 10 GB a day: full in about 30 days.
  const GB = 1024 ** 3;
  const results: CheckResult[] = [];
  const now = Date.now();
  for (let hour = 7 * 24; hour >= 1; hour--)
    results.push({
      objectId: 'db-1/disk-data',
      exitCode: 0,
      output: 'DISK OK',
      longOutput: '',
      perfdata: [
        { label: 'used', value: 700 * GB - (hour / 24) * 10 * GB, unit: 'B', min: 0, max: 1000 * GB },
      ],
      plannedAt: now - hour * HOUR,
      startedAt: now - hour * HOUR,
      durationMs: 3,
    });
  await api.daemon.store.write({ results, states: [], events: [] });
});

after(() => api?.stop());

test('the page of a forecast service shows its sentence and the trend of the service it reads', async () => {
  const response = await api.fetch('/services/db-1/storage%20forecast', { as: 'viewer' });
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.match(text, /<h2 id="forecast-title">Forecast<\/h2>/);
  assert.match(text, /storage &lt;b&gt; exhausted in about (29|30|31) days/);
  assert.match(text, /<svg class="forecast-chart"/);
  assert.match(text, /<circle class="crossing"/);
  assert.match(text, /href="[^"]*disk-data"/, 'links to the service it reads');
  // The service it reads has no forecast section of its own.
  const source = await api.fetch('/services/db-1/disk-data', { as: 'viewer' });
  assert.doesNotMatch(await source.text(), /forecast-title/);
});

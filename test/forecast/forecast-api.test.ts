import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ApiHarness, startHarness } from '../api/harness.ts';

// GET /api/v1/forecast on a real daemon whose store holds three weeks of disk usage.

const GB = 1024 ** 3;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let api: ApiHarness;
before(async () => {
  api = await startHarness(`
hosts:
  - name: db-1
    check: { kind: dummy }
`);
  const now = Date.now();
  // 800 GB used of 1,000 GB now, 5 GB more a day: full in about 40 days.
  const results = Array.from({ length: 21 * 24 }, (_, i) => {
    const hoursAgo = 21 * 24 - i;
    const at = now - hoursAgo * HOUR;
    return {
      objectId: 'db-1/disk',
      exitCode: 0 as const,
      output: 'DISK OK',
      longOutput: '',
      perfdata: [
        { label: 'used', value: 800 * GB - (hoursAgo / 24) * 5 * GB, unit: 'B', min: 0, max: 1000 * GB },
        { label: 'inodes', value: 1000, unit: '' },
      ],
      plannedAt: at,
      startedAt: at,
      durationMs: 2,
    };
  });
  await api.daemon.store.write({ results, states: [], events: [] });
});
after(() => api.stop());

interface ForecastJson {
  verdict: string;
  summary: string;
  limit: number;
  unit: string;
  crossing_at: string | null;
  days_left: number | null;
  slope_per_day: number | null;
  r_squared: number | null;
  samples: number;
  points: { at: string; value: number }[];
  projection: { at: string; value: number }[];
}

test('a viewer gets the fit, the projected date and the points to draw', async () => {
  const { status, body } = await api.json<ForecastJson>('/api/v1/forecast?object=db-1/disk&label=used', {
    as: 'viewer',
  });
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.verdict, 'crossing');
  assert.equal(body.limit, 1000 * GB, 'limit defaults to the declared max');
  assert.equal(body.unit, 'B');
  assert.ok(body.days_left !== null && Math.abs(body.days_left - 40) < 0.5, String(body.days_left));
  assert.ok(Math.abs(Date.parse(body.crossing_at ?? '') - (Date.now() + 40 * DAY)) < DAY);
  assert.ok(Math.abs((body.slope_per_day ?? 0) - 5 * GB) < 1e-3 * GB);
  assert.equal(body.r_squared, 1);
  assert.equal(body.samples, 21 * 24);
  // 504 samples: averaged into at most 500 points for the chart.
  assert.ok(body.points.length <= 500 && body.points.length > 450, String(body.points.length));
  assert.match(
    body.summary,
    /^db-1\/disk used exhausted in about 40 days \(\d{4}-\d\d-\d\d\), growing 5 GB\/day$/,
  );
  const end = body.projection.at(-1);
  assert.equal(end?.at, body.crossing_at);
  assert.ok(Math.abs((end?.value ?? 0) - 1000 * GB) < 1);
});

test('a lower limit and a shorter window answer sooner', async () => {
  const { body } = await api.json<ForecastJson>(
    `/api/v1/forecast?object=db-1/disk&label=used&limit=${900 * GB}&window=7d`,
  );
  assert.equal(body.verdict, 'crossing');
  assert.ok(body.days_left !== null && Math.abs(body.days_left - 20) < 0.5, String(body.days_left));
  assert.ok(body.samples <= 7 * 24 + 1 && body.samples >= 7 * 24 - 1, String(body.samples));
});

test('bad questions are answered with what is wrong', async () => {
  const cases: [string, number, RegExp][] = [
    [
      'object=db-1/disk&label=usd',
      404,
      /no perfdata "usd" stored for db-1\/disk in the window \(it has inodes, used\)/,
    ],
    ['object=db-1/disk&label=used&window=soon', 400, /window "soon" is not a duration/],
    ['object=db-1/disk&label=used&limit=lots', 400, /limit "lots" is not a number or max/],
    ['object=db-1/disk&label=inodes&limit=max', 422, /declares no maximum/],
    ['object=db-1/disk', 400, /label/],
    ['object=db-1/disk&label=used&horizon=1y', 400, /unknown field "horizon"/],
  ];
  for (const [query, code, message] of cases) {
    const { status, body } = await api.json<{ error: string }>(`/api/v1/forecast?${query}`);
    assert.equal(status, code, `${query}: ${JSON.stringify(body)}`);
    assert.match(body.error, message);
  }
  assert.equal((await api.json('/api/v1/forecast?object=db-1/disk&label=used', { as: null })).status, 401);
});

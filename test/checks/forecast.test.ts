import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pino from 'pino';
import { forecastCheck } from '../../src/checks/forecast.ts';
import { Spawner } from '../../src/checks/plugin/spawner.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { CheckResult } from '../../src/model/types.ts';
import type { Store } from '../../src/store/store.ts';
import { eventually, modelFromYaml } from '../helpers/model.ts';
import { paramErrors, perfDatum, runCheck } from '../helpers/run-check.ts';
import { sqlite } from '../store/backends.ts';

// The forecast check through the real engine, reading a real SQLite store filled with a
// month of disk usage: raw samples for the last week, hourly buckets before (as the store
// keeps them after maintenance).

const GB = 1024 ** 3;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const spawner = new Spawner();
after(() => spawner.close());

/** Hourly disk usage of a 1,000 GB disk growing 10 GB a day, with ±2 GB noise and a nightly dump. */
function diskUsage(objectId: string, now: number, days: number, usedNow: number): CheckResult[] {
  const results: CheckResult[] = [];
  for (let hour = days * 24; hour >= 1; hour--) {
    const at = now - hour * HOUR;
    const noise = Math.sin(hour * 1.7) * 2 * GB;
    const dump = hour % 24 === 3 ? 60 * GB : 0;
    const used = usedNow - (hour / 24) * 10 * GB + noise + dump;
    results.push({
      objectId,
      exitCode: 0,
      output: 'DISK OK',
      longOutput: '',
      perfdata: [{ label: 'used', value: Math.round(used), unit: 'B', min: 0, max: 1000 * GB }],
      plannedAt: at,
      startedAt: at,
      durationMs: 3,
    });
  }
  return results;
}

async function filledStore(now: number): Promise<Store> {
  const store = await sqlite.open({
    resultRetentionMs: 7 * DAY,
    downsampledRetentionMs: 400 * DAY,
    historyRetentionMs: 400 * DAY,
  });
  // 700 GB now, 10 GB a day: the disk is full in about 30 days.
  await store.write({ results: diskUsage('db-1/disk-data', now, 30, 700 * GB), states: [], events: [] });
  // Only three samples of a new disk.
  await store.write({ results: diskUsage('db-1/disk-new', now, 3 / 24, 100 * GB), states: [], events: [] });
  const report = await store.maintain(now);
  assert.ok(report.resultsDownsampled > 500, 'the older three weeks are hourly buckets now');
  return store;
}

test('a growing disk goes WARNING and CRITICAL by days left, with its date and rate', async () => {
  const now = Date.now();
  const store = await filledStore(now);
  const model = modelFromYaml(`
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 1 }
hosts:
  - name: db-1
    services:
      # The services whose stored perfdata the forecasts read (their own checks add none).
      - name: disk-data
        interval: 1h
        check: { kind: dummy }
      - name: disk-new
        interval: 1h
        check: { kind: dummy }
      - name: disk-warn
        use: quick
        check: { kind: forecast, object: disk-data, label: used, warn_days: 45, crit_days: 7, what: storage }
      - name: disk-crit
        use: quick
        check: { kind: forecast, object: db-1/disk-data, label: used, limit: max, warn_days: 60, crit_days: 40 }
      - name: disk-ok
        use: quick
        check: { kind: forecast, object: disk-data, label: used, limit: 5000000000000, window: 14d }
      - name: disk-young
        use: quick
        check: { kind: forecast, object: disk-new, label: used }
      - name: disk-typo
        use: quick
        check: { kind: forecast, object: disk-data, label: usd }
`);
  const engine = new Engine(model, [], {
    store,
    spawner,
    log: pino({ level: 'silent' }),
    flushIntervalMs: 50,
  });
  engine.start();
  const names = ['disk-warn', 'disk-crit', 'disk-ok', 'disk-young', 'disk-typo'];
  try {
    const checked = await eventually(
      () => names.every((name) => (engine.stateOf(`db-1/${name}`)?.lastCheck ?? 0) > 0),
      15_000,
    );
    assert.ok(checked, 'every forecast ran');
  } finally {
    await engine.stop();
  }
  const latest = async (name: string) => {
    const [result] = await store.results({
      objectId: `db-1/${name}`,
      since: 0,
      until: Date.now() + 1,
      limit: 1,
    });
    assert.ok(result, `a stored result for ${name}`);
    return result;
  };

  const warn = await latest('disk-warn');
  assert.equal(warn.exitCode, 1, warn.output);
  const expectedDate = new Date(now + 30 * DAY).toISOString().slice(0, 10);
  assert.match(
    warn.output,
    /^FORECAST WARNING - storage exhausted in about (29|30|31) days \((\d{4}-\d\d-\d\d)\), growing (9\.\d+|10(\.\d+)?) GB\/day$/,
  );
  const date = /\((\d{4}-\d\d-\d\d)\)/.exec(warn.output)?.[1] ?? '';
  assert.ok(Math.abs(Date.parse(date) - Date.parse(expectedDate)) <= DAY, `${date} vs ${expectedDate}`);
  const daysLeft = perfDatum(warn, 'days_left');
  assert.ok(daysLeft && Math.abs(daysLeft.value - 30) < 1.5, JSON.stringify(daysLeft));
  assert.equal(daysLeft?.warn, '45:');
  assert.equal(daysLeft?.crit, '7:');
  const slope = perfDatum(warn, 'slope_per_day');
  assert.ok(slope && Math.abs(slope.value - 10 * GB) < 0.5 * GB && slope.unit === 'B', JSON.stringify(slope));
  assert.match(warn.longOutput, /limit 1000 GB \(ceiling\)/);

  const crit = await latest('disk-crit');
  assert.equal(crit.exitCode, 2, crit.output);
  assert.match(crit.output, /db-1\/disk-data used exhausted in about/);

  const ok = await latest('disk-ok');
  assert.equal(ok.exitCode, 0, ok.output);
  assert.match(ok.output, /reaches 4\.55 TB in about \d+ days/);

  const young = await latest('disk-young');
  assert.equal(young.exitCode, 3, young.output);
  assert.match(
    young.output,
    /not enough data to forecast db-1\/disk-new used: 3 samples, at least 10 needed/,
  );

  const typo = await latest('disk-typo');
  assert.equal(typo.exitCode, 3, typo.output);
  assert.match(typo.output, /no perfdata "usd" stored for db-1\/disk-data in the window \(it has used\)/);
});

test('a shrinking free-space metric is forecast toward its floor', async () => {
  const now = Date.now();
  const store = await sqlite.open();
  // Free space: 300 GB left, falling 10 GB a day: the floor 0 in 30 days, 50 GB in 25.
  const free = diskUsage('fs/var', now, 10, 700 * GB).map((result) => ({
    ...result,
    perfdata: result.perfdata.map((datum) => ({ ...datum, label: 'free', value: 1000 * GB - datum.value })),
  }));
  await store.write({ results: free, states: [], events: [] });
  const model = modelFromYaml(`
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 1 }
hosts:
  - name: fs
    services:
      - name: var
        interval: 1h
        check: { kind: dummy }
      - name: free-floor
        use: quick
        check: { kind: forecast, object: var, label: free, direction: down, limit: 53687091200 }
`);
  const engine = new Engine(model, [], {
    store,
    spawner,
    log: pino({ level: 'silent' }),
    flushIntervalMs: 50,
  });
  engine.start();
  try {
    assert.ok(await eventually(() => (engine.stateOf('fs/free-floor')?.lastCheck ?? 0) > 0, 15_000));
  } finally {
    await engine.stop();
  }
  const [result] = await store.results({
    objectId: 'fs/free-floor',
    since: 0,
    until: Date.now() + 1,
    limit: 1,
  });
  assert.equal(result?.exitCode, 1, result?.output);
  assert.match(
    result?.output ?? '',
    /fs\/var free reaches 50 GB in about 2[456] days .*, shrinking (9\.\d+|10(\.\d+)?) GB\/day$/,
  );
});

test('without a store (a remote worker) the check says why it cannot judge', async () => {
  const outcome = await runCheck(forecastCheck, { object: 'db-1/disk', label: 'used' });
  assert.equal(outcome.exitCode, 3);
  assert.match(outcome.output, /no store to read perfdata from/);
});

test('bad params are configuration errors naming the setting', () => {
  assert.match(paramErrors(forecastCheck, { label: 'used' }).join('\n'), /object is required/);
  assert.match(paramErrors(forecastCheck, { object: 'a/b' }).join('\n'), /label is required/);
  assert.match(
    paramErrors(forecastCheck, { object: 'a/b', label: 'x', window: 'a month' }).join('\n'),
    /window "a month" is not a duration/,
  );
  assert.match(
    paramErrors(forecastCheck, { object: 'a/b', label: 'x', limit: 'full' }).join('\n'),
    /limit must be a number or max/,
  );
  assert.match(
    paramErrors(forecastCheck, { object: 'a/b', label: 'x', limit: 'max', direction: 'down' }).join('\n'),
    /limit max applies to direction up/,
  );
  assert.match(
    paramErrors(forecastCheck, { object: 'a/b', label: 'x', warn_days: 5, crit_days: 9 }).join('\n'),
    /crit_days must not be above warn_days/,
  );
  assert.match(paramErrors(forecastCheck, { object: 'a/b', label: 'x', horizon: 3 }).join('\n'), /horizon/);
  assert.deepEqual(paramErrors(forecastCheck, { object: 'a/b', label: 'x', limit: 90, window: '14d' }), []);
});

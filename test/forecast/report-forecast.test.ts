import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/index.ts';
import { vigil } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

// `vigil report forecast` on a store holding four weeks of a table's size.

const GB = 1024 ** 3;
const HOUR = 3_600_000;

async function storeWithTableSize(): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'vigil.yml');
  await writeFile(file, 'hosts:\n  - name: db-1\n    check: { kind: dummy }\n');
  const loaded = await loadConfig(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const store = await openStore(loaded.model.settings.store);
  await store.migrate();
  const now = Date.now();
  // 80 GB now, 0.5 GB a day, with a weekly vacuum dip of 3 GB for a few hours.
  const results = Array.from({ length: 28 * 24 }, (_, i) => {
    const hoursAgo = 28 * 24 - i;
    const at = now - hoursAgo * HOUR;
    const dip = hoursAgo % (7 * 24) < 4 ? 3 * GB : 0;
    return {
      objectId: 'db-1/table-orders',
      exitCode: 0 as const,
      output: 'OK',
      longOutput: '',
      perfdata: [{ label: 'size', value: 80 * GB - (hoursAgo / 24) * 0.5 * GB - dip, unit: 'B' }],
      plannedAt: at,
      startedAt: at,
      durationMs: 1,
    };
  });
  await store.write({ results, states: [], events: [] });
  await store.close();
  return file;
}

test('the report prints the trend, the projected date and a chart; --format json the same figures', async () => {
  const file = await storeWithTableSize();
  const args = [
    'report',
    'forecast',
    '--object',
    'db-1/table-orders',
    '--label',
    'size',
    '--limit',
    String(100 * GB),
    '-c',
    file,
  ];
  const table = await vigil(args);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stderr, /reading 30d of db-1\/table-orders size perfdata/);
  const lines = table.stdout.split('\n');
  assert.match(
    lines[0] ?? '',
    /^db-1\/table-orders size reaches 100 GB in about 40 days \(\d{4}-\d\d-\d\d\), growing 512 MB\/day$/,
  );
  assert.match(table.stdout, /  rate        growing 512 MB\/day/);
  assert.match(table.stdout, /  projected   \d{4}-\d\d-\d\d \(in about 40 days\)/);
  // The chart: a limit rule, samples, the trend beyond them, the crossing, the time axis.
  assert.match(table.stdout, /100 GB ┤[─·]+×[─·]* limit/);
  assert.ok(table.stdout.includes('•') && table.stdout.includes('·'), table.stdout);
  assert.match(table.stdout, /└┬─+┬─+┬/);
  assert.match(table.stdout, / now /);

  const json = await vigil([...args, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const body = JSON.parse(json.stdout) as { verdict: string; days_left: number; limit: number };
  assert.equal(body.verdict, 'crossing');
  assert.equal(body.limit, 100 * GB);
  assert.ok(Math.abs(body.days_left - 40) < 0.5, String(body.days_left));
});

test('a missing label is one line naming what the object has', async () => {
  const file = await storeWithTableSize();
  const run = await vigil([
    'report',
    'forecast',
    '--object',
    'db-1/table-orders',
    '--label',
    'rows',
    '-c',
    file,
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /vigil: no perfdata "rows" stored for db-1\/table-orders in the window \(it has size\)/,
  );
});

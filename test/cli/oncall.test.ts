import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { vigil } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

// Other sections (hosts:) are left to the main loader; the on-call command reads only its own.
const CONFIG = `hosts:
  - name: web-1
    address: 127.0.0.1

time_periods:
  business-hours:
    time_zone: Europe/Berlin
    ranges: [monday-friday 09:00-17:30]
    exclude: [2026-12-25]

schedules:
  primary:
    time_zone: Europe/Berlin
    layers:
      - name: around-the-clock
        participants: [alice, bob]
        rotation: weekly
        hand_off: monday 09:00
        start: 2026-03-02
      - name: office
        participants: [dave]
        rotation: weekly
        hand_off: monday 09:00
        start: 2026-03-02
        restrict_to: business-hours
    overrides:
      - { person: erin, start: "2026-03-10 18:00", end: "2026-03-11 09:00" }
  database:
    time_zone: America/Chicago
    layers:
      - participants: [carol, dan, eve]
        rotation: daily
        hand_off: "08:00"
        start: 2026-03-01
`;

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function config(text = CONFIG): Promise<string> {
  const dir = await tempDir();
  dirs.push(dir);
  const file = path.join(dir, 'vigil.yml');
  await writeFile(file, text);
  return file;
}

test('vigil oncall prints who is on call now and next, in the schedule zone and the viewer zone', async () => {
  const file = await config();
  // Tuesday 2026-03-10 11:00 in Berlin; the viewer sits in New York (already on EDT).
  const run = await vigil(['oncall', 'primary', '-c', file, '--at', '2026-03-10T10:00:00Z', '--next', '2'], {
    TZ: 'America/New_York',
  });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'primary (Europe/Berlin)');
  assert.match(lines[1] ?? '', /ON CALL\s+LAYER\s+FROM\s+UNTIL\s+UNTIL, YOUR TIME \(America\/New_York\)/);
  assert.match(lines[2] ?? '', /^ {2}now +dave +office +Tue 2026-03-10 17:30 CET +Tue 2026-03-10 12:30 EDT$/);
  assert.match(
    lines[3] ?? '',
    /^ {2}next +bob +around-the-clock +Tue 2026-03-10 17:30 CET +Tue 2026-03-10 18:00 CET +Tue 2026-03-10 13:00 EDT$/,
  );
  assert.match(
    lines[4] ?? '',
    /^ {2}next +erin +override +Tue 2026-03-10 18:00 CET +Wed 2026-03-11 09:00 CET/,
  );
  assert.equal(lines.length, 5);
  assert.doesNotMatch(run.stdout, /database/);
});

test('--json gives every schedule with exact times; --at without an offset is the viewer local time', async () => {
  const file = await config();
  const run = await vigil(['oncall', '-c', file, '--at', '2026-03-10T03:00', '--json'], {
    TZ: 'America/Chicago',
  });
  assert.equal(run.code, 0, run.stderr);
  const body = JSON.parse(run.stdout) as {
    schedule: string;
    at: string;
    shifts: { person: string; layer: string; start: string; end: string; end_local: string }[];
  }[];
  assert.deepEqual(
    body.map((s) => s.schedule),
    ['primary', 'database'],
  );
  const database = body[1];
  assert.equal(database?.at, '2026-03-10T08:00:00.000Z', '03:00 CDT');
  // Before 08:00 on 2026-03-10 the shift that began 03-09 08:00 holds: the 9th of the rotation, eve's.
  assert.deepEqual(database?.shifts, [
    {
      person: 'eve',
      layer: 'layer 1',
      start: '2026-03-10T08:00:00.000Z',
      end: '2026-03-10T13:00:00.000Z',
      start_local: 'Tue 2026-03-10 03:00 CDT',
      end_local: 'Tue 2026-03-10 08:00 CDT',
    },
    {
      person: 'carol',
      layer: 'layer 1',
      start: '2026-03-10T13:00:00.000Z',
      end: '2026-03-11T13:00:00.000Z',
      start_local: 'Tue 2026-03-10 08:00 CDT',
      end_local: 'Wed 2026-03-11 08:00 CDT',
    },
  ]);
});

test('config errors are printed with file and line; unknown schedules are named', async () => {
  // Shape errors are reported first; names that refer to other sections once the shapes are right.
  const empty = await config(CONFIG.replace('participants: [carol, dan, eve]', 'participants: []'));
  const shape = await vigil(['oncall', '-c', empty]);
  assert.equal(shape.code, 1);
  assert.match(
    shape.stderr,
    /vigil\.yml:31: schedules\.database\.layers\.0\.participants: the rotation has no participants/,
  );
  assert.match(shape.stderr, /vigil: configuration .* has 1 error\n$/);
  const misnamed = await config(CONFIG.replace('restrict_to: business-hours', 'restrict_to: office-hours'));
  const reference = await vigil(['oncall', '-c', misnamed]);
  assert.equal(reference.code, 1);
  assert.match(
    reference.stderr,
    /vigil\.yml:25: schedules\.primary\.layers\.1\.restrict_to: no time period "office-hours" \(known: business-hours\)/,
  );

  const file = await config();
  const unknown = await vigil(['oncall', 'payments', '-c', file]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no schedule "payments" \(known: primary, database\)/);
  const badTime = await vigil(['oncall', '-c', file, '--at', 'tomorrow']);
  assert.equal(badTime.code, 1);
  assert.match(badTime.stderr, /--at "tomorrow" is not a time/);
});

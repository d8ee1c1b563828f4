// Availability benchmark: a year of ledger history for many services in a real SQLite
// store, then a one-year report over all of them (store read + arithmetic).
//
//   npm run bench -- availability [--services 1000] [--outages 300] [--period month]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { PERIOD_UNITS, type PeriodUnit } from '../src/availability/periods.ts';
import type { ReportSubject } from '../src/availability/report.ts';
import { loadAvailabilityReport } from '../src/availability/report-loader.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const YEAR = 365 * DAY;

/** A small deterministic generator, so runs are comparable. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      services: { type: 'string', default: '1000' },
      outages: { type: 'string', default: '300' },
      period: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- availability [--services N] [--outages N per service] [--period day|week|month|quarter|year]\n',
    );
    return;
  }
  const serviceCount = Number(values.services);
  const outagesPerService = Number(values.outages);
  const unit = values.period as PeriodUnit | undefined;
  if (unit !== undefined && !(PERIOD_UNITS as readonly string[]).includes(unit))
    throw new Error(`--period "${unit}" is not one of ${PERIOD_UNITS.join(', ')}`);

  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-availability-'));
  const file = path.join(dir, 'vigil.db');
  try {
    const now = Date.UTC(2026, 0, 1);
    const since = now - YEAR;
    const store = await openSqliteStore(file);
    await store.migrate();
    // Vigil watched the whole year but for two restarts of a few minutes.
    const runs: [number, number][] = [
      [since - DAY, since + 120 * DAY],
      [since + 120 * DAY + 4 * MINUTE, since + 250 * DAY],
      [since + 250 * DAY + 9 * MINUTE, now],
    ];
    for (const [start, stop] of runs)
      await store.availability.stopRun(await store.availability.startRun(start), stop);
    await store.close();

    // The history is written straight into the table, in one transaction: what the daemon
    // would have appended over a year.
    process.stderr.write(`[availability bench] writing a year of history for ${serviceCount} services\n`);
    const raw = new Database(file);
    const insert = raw.prepare(
      `insert into availability_intervals (subject_kind, subject_id, kind, cause, weight, start_at, end_at)
       values ('service', ?, ?, ?, ?, ?, ?) on conflict do nothing`,
    );
    const next = random(7);
    let intervals = 0;
    const fill = raw.transaction(() => {
      for (let s = 0; s < serviceCount; s++) {
        const id = `host-${Math.floor(s / 10)}/svc-${s % 10}`;
        let start = since;
        for (let o = 0; o < outagesPerService; o++) {
          // Outages of 1 to 30 minutes, minute-aligned; one in ten overlaps the one before.
          start += Math.floor((next() * 2 * YEAR) / outagesPerService / MINUTE) * MINUTE;
          if (start >= now) break;
          const length = (1 + Math.floor(next() * 30)) * MINUTE;
          const overlaps = next() < 0.1;
          const kind = next() < 0.15 ? 'degraded' : 'outage';
          insert.run(
            id,
            kind,
            `hard ${kind === 'outage' ? 'CRITICAL' : 'WARNING'}`,
            kind === 'outage' ? 1 : 0,
            start,
            start + length,
          );
          intervals++;
          if (overlaps) {
            insert.run(id, 'outage', 'hard DOWN', 1, start + MINUTE, start + length + 5 * MINUTE);
            intervals++;
          }
        }
        // A monthly maintenance window of 30 to 120 minutes.
        for (let month = 0; month < 12; month++) {
          const windowStart = since + month * 30 * DAY + (2 + Math.floor(next() * 20)) * DAY;
          insert.run(
            id,
            'maintenance',
            `downtime:${month + 1}`,
            1,
            windowStart,
            windowStart + (30 + Math.floor(next() * 90)) * MINUTE,
          );
          intervals++;
        }
      }
    });
    fill();
    raw.close();
    process.stderr.write(`[availability bench] ${intervals} intervals written; reporting\n`);

    const subjects: ReportSubject[] = [];
    for (let s = 0; s < serviceCount; s++)
      subjects.push({
        kind: 'service',
        id: `host-${Math.floor(s / 10)}/svc-${s % 10}`,
        targetPercent: 99.99,
      });
    const reader = await openSqliteStore(file);
    try {
      const report = async () => {
        const started = performance.now();
        const cpu = process.cpuUsage();
        const result = await loadAvailabilityReport(reader, {
          since,
          until: now,
          now,
          unit,
          timeZone: 'Europe/Berlin',
          subjects,
          targetPercent: undefined,
        });
        const used = process.cpuUsage(cpu);
        return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, result };
      };
      await report(); // warm-up: page cache and JIT
      const timings: number[] = [];
      const cpuTimings: number[] = [];
      let last: Awaited<ReturnType<typeof report>> | undefined;
      for (let i = 0; i < 5; i++) {
        last = await report();
        timings.push(last.ms);
        cpuTimings.push(last.cpuMs);
        process.stderr.write(
          `[availability bench] report ${i + 1}/5: ${last.ms.toFixed(0)} ms (${last.cpuMs.toFixed(0)} ms of CPU)\n`,
        );
      }
      timings.sort((a, b) => a - b);
      cpuTimings.sort((a, b) => a - b);
      const rows = last?.result.rows ?? [];
      const mean = rows.reduce((t, r) => t + (r.availabilityPercent ?? 0), 0) / Math.max(1, rows.length);
      process.stdout.write(
        `${JSON.stringify({
          bench: 'availability',
          services: serviceCount,
          intervals,
          period: unit ?? 'year',
          rows: rows.length,
          report_ms: Math.round(timings[Math.floor(timings.length / 2)] ?? 0),
          // CPU time of the same run: on a busy machine wall time includes waiting for a core.
          report_cpu_ms: Math.round(cpuTimings[Math.floor(cpuTimings.length / 2)] ?? 0),
          mean_availability_percent: Number(mean.toFixed(4)),
        })}\n`,
      );
    } finally {
      await reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

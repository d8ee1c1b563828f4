// The drawings that carry deploy marks, checked on generated data: the availability page's
// daily chart (a bar per day, never below its bottom edge, a line per deploy in the period)
// and the status site's uptime-bar ticks (one per day with deploys, at that day).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AvailabilityRow } from '../../src/availability/report.ts';
import { deployTicks } from '../../src/status/site/uptime-bars.ts';
import type { UptimeDay } from '../../src/status/snapshot.ts';
import { availabilityChart, chartFloor, deployX } from '../../web/availability-chart.ts';

const DAY = 86_400_000;
const SINCE = Date.UTC(2026, 2, 1);

function row(index: number, percent: number | null): AvailabilityRow {
  const since = SINCE + index * DAY;
  return {
    subject: { kind: 'product', id: 'Shop', parent: null },
    period: {
      label: new Date(since).toISOString().slice(0, 10),
      since: new Date(since).toISOString(),
      until: new Date(since + DAY).toISOString(),
    },
    availabilityPercent: percent,
    downtimeMinutes: percent === null ? 0 : ((100 - percent) / 100) * 1440,
    maintenanceMinutes: 0,
    incidents: percent !== null && percent < 100 ? 1 : 0,
    longestIncidentMinutes: 0,
    maintenanceWindows: 0,
    unknownMinutes: 0,
    measuredMinutes: 1440,
    periodMinutes: 1440,
    budget: null,
  };
}

test('daily chart: one bar per day inside the chart, the bottom edge under the worst day, one line per deploy in the period', () => {
  fc.assert(
    fc.property(
      fc.array(fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }), {
        minLength: 1,
        maxLength: 60,
      }),
      fc.array(fc.integer({ min: -5, max: 65 }), { maxLength: 10 }),
      (percents, deployDays) => {
        const days = percents.map((p, i) => row(i, p));
        const floor = chartFloor(days);
        for (const p of percents)
          if (p !== null) assert.ok(floor < p || p === 0, `floor ${floor} under ${p}`);
        assert.ok(floor <= 99 && floor >= 0);
        const deploys = deployDays.map((d, i) => ({
          at: SINCE + d * DAY + 3_600_000,
          service: 'shop',
          version: `v${i}`,
          by: '',
        }));
        const svg = availabilityChart(days, deploys, 'Shop').text;
        const bars = [
          ...svg.matchAll(
            /<rect class="day[^"]*" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g,
          ),
        ];
        assert.equal(bars.length, days.length);
        for (const [, x, y, , height] of bars) {
          assert.ok(Number(x) >= 0 && Number(x) < 1000);
          assert.ok(
            Number(y) >= 0 && Math.abs(Number(y) + Number(height) - 100) < 0.02,
            'bars stand on the bottom edge',
          );
        }
        const inside = deployDays.filter((d) => d >= 0 && d < days.length).length;
        assert.equal((svg.match(/<line class="deploy"/g) ?? []).length, inside);
      },
    ),
  );
});

test("a deploy is drawn inside its own day's bar slot, also across daylight-saving days of 23 and 25 hours", () => {
  // Days of Europe/Berlin around the March and October changes: 23, 24 ... 25, 24 hours long.
  const bounds = [
    Date.UTC(2026, 2, 28, 23),
    Date.UTC(2026, 2, 29, 22),
    Date.UTC(2026, 2, 30, 22),
    Date.UTC(2026, 9, 24, 22),
    Date.UTC(2026, 9, 25, 23),
    Date.UTC(2026, 9, 26, 23),
  ];
  const days = [0, 1, 3, 4].map((i) => ({
    period: {
      label: `day ${i}`,
      since: new Date(bounds[i] as number).toISOString(),
      until: new Date(bounds[i + 1] as number).toISOString(),
    },
  }));
  const slot = 1000 / days.length;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: days.length - 1 }),
      fc.double({ min: 0, max: 0.999, noNaN: true }),
      (index, into) => {
        const since = Date.parse(days[index]?.period.since as string);
        const until = Date.parse(days[index]?.period.until as string);
        const at = since + Math.floor(into * (until - since));
        const x = deployX(days, at) as number;
        assert.ok(x >= index * slot && x < (index + 1) * slot, `x ${x} in slot ${index}`);
        // As far into the slot as the deploy is into its day.
        assert.ok(Math.abs((x - index * slot) / slot - (at - since) / (until - since)) < 1e-9);
      },
    ),
  );
  // Between the two groups of days (not charted) and after the last: no mark.
  assert.equal(deployX(days, Date.UTC(2026, 5, 1)), undefined);
  assert.equal(deployX(days, bounds[5] as number), undefined);
});

test('uptime bar ticks: one per day with deploys, at that day', () => {
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 90 }), (counts) => {
      const days: UptimeDay[] = counts.map((n, i) => ({
        date: new Date(SINCE + i * DAY).toISOString().slice(0, 10),
        availabilityPercent: 100,
        downtimeMinutes: 0,
        worst: 'operational',
        incidentIds: [],
        ...(n > 0 ? { deploys: n } : {}),
      }));
      const path = /d="([^"]*)"/.exec(deployTicks(days))?.[1] ?? '';
      // Replay the relative moves to find where each tick stands.
      const ticks: number[] = [];
      let x = 0;
      for (const [, kind, dx] of path.matchAll(/([Mm])(\d+(?:\.\d+)?)/g)) {
        x = kind === 'M' ? Number(dx) : x + Number(dx);
        ticks.push(Math.floor(x));
      }
      assert.deepEqual(
        ticks,
        counts.flatMap((n, i) => (n > 0 ? [i] : [])),
      );
    }),
  );
});

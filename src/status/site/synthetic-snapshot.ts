import type {
  ComponentStatus,
  IncidentImpact,
  IncidentPhase,
  PublicComponent,
  PublicIncident,
  StatusSnapshot,
  UptimeDay,
} from '../snapshot.ts';

// A made-up but realistic snapshot, deterministic for a seed: the benchmark's site and the
// tests' worst case (many components, many incidents). Not used by the daemon.

const DAY = 86_400_000;

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

export interface SyntheticOptions {
  components: number;
  incidents: number;
  /** Products among the components; the others are spread under them. */
  products?: number;
  now?: number;
  seed?: number;
}

function deployDay(next: () => number, component: string): Pick<UptimeDay, 'deploys' | 'deployed'> {
  if (next() >= 0.2) return {};
  const deploys = 1 + Math.floor(next() * 3);
  return {
    deploys,
    deployed: Array.from(
      { length: deploys },
      (_, i) => `${component.toLowerCase().replace(' ', '-')} v${i + 1}`,
    ),
  };
}

export function syntheticSnapshot(options: SyntheticOptions): StatusSnapshot {
  const now = options.now ?? Date.UTC(2026, 5, 15, 12);
  const next = random(options.seed ?? 7);
  const productCount = Math.max(
    1,
    Math.min(options.components, options.products ?? Math.ceil(options.components / 5)),
  );
  const names = Array.from({ length: options.components }, (_, i) =>
    i < productCount ? `Product ${i + 1}` : `Component ${i + 1}`,
  );
  const impacts: IncidentImpact[] = ['minor', 'major', 'critical', 'minor', 'major'];
  const phases: IncidentPhase[] = ['investigating', 'identified', 'monitoring', 'resolved'];
  const incidents: PublicIncident[] = [];
  for (let i = 0; i < options.incidents; i++) {
    // Spread over a year, the newest few still open.
    const startedAt = now - Math.floor(next() * 365 * DAY) - 3_600_000;
    const open = i < 3;
    const duration = Math.floor(5 * 60_000 + next() * 3 * 3_600_000);
    const component = names[Math.floor(next() * names.length)] ?? 'Product 1';
    const publishedAt = startedAt + 60_000;
    const updates = phases.slice(0, open ? 1 + (i % 3) : 4).map((phase, u) => ({
      id: `${i + 1}-${u + 1}`,
      phase,
      message: `${phase === 'resolved' ? 'Resolved' : 'Update'}: requests to ${component} ${phase === 'investigating' ? 'are failing for some customers; we are looking into it' : phase === 'identified' ? 'failed because a database replica fell behind' : phase === 'monitoring' ? 'are succeeding again; we are watching' : 'work normally again'}.`,
      at: publishedAt + u * Math.floor(duration / 4),
    }));
    incidents.push({
      id: String(i + 1),
      title: `Elevated error rates on ${component}`,
      impact: impacts[i % impacts.length] ?? 'minor',
      phase: open ? (updates.at(-1)?.phase ?? 'investigating') : 'resolved',
      components: [component],
      startedAt: open ? now - (i + 1) * 600_000 : startedAt,
      publishedAt: open ? now - (i + 1) * 600_000 + 60_000 : publishedAt,
      ...(open ? {} : { resolvedAt: startedAt + duration }),
      updates: updates.reverse(),
    });
  }
  incidents.sort(
    (a, b) =>
      Number(a.resolvedAt !== undefined) - Number(b.resolvedAt !== undefined) || b.startedAt - a.startedAt,
  );
  const today = Math.floor(now / DAY);
  // Deploys on about one day in five of every component, from their own sequence so the rest stays as it was.
  const nextDeploy = random((options.seed ?? 7) + 1);
  const components: PublicComponent[] = names.map((name, index) => {
    const mine = incidents.filter((i) => i.components.includes(name));
    const uptime: UptimeDay[] = [];
    for (let day = today - 89; day <= today; day++) {
      const start = day * DAY;
      const hits = mine.filter((i) => i.startedAt < start + DAY && (i.resolvedAt ?? now) >= start);
      const minutes = hits.reduce(
        (sum, i) =>
          sum + (Math.min(i.resolvedAt ?? now, start + DAY) - Math.max(i.startedAt, start)) / 60_000,
        0,
      );
      const worst: ComponentStatus = hits.some((i) => i.impact === 'critical')
        ? 'major_outage'
        : hits.some((i) => i.impact === 'major')
          ? 'partial_outage'
          : hits.length
            ? 'degraded_performance'
            : 'operational';
      uptime.push({
        date: new Date(start).toISOString().slice(0, 10),
        availabilityPercent: Math.max(0, 100 - (minutes / 1440) * 100),
        downtimeMinutes: Math.round(minutes),
        worst,
        incidentIds: hits.map((i) => i.id),
        ...deployDay(nextDeploy, name),
      });
    }
    return {
      name,
      description: index < productCount ? `The ${name} application and its API` : '',
      ...(index >= productCount ? { parent: names[index % productCount] ?? 'Product 1' } : {}),
      status: mine.some((i) => i.resolvedAt === undefined) ? 'partial_outage' : 'operational',
      uptime,
      availabilityPercent: 99.9 + next() * 0.099,
      ...(index < productCount ? { targetPercent: 99.9 } : {}),
    };
  });
  return {
    title: 'Example Status',
    siteUrl: 'https://status.example.com',
    timeZone: 'Europe/Berlin',
    generatedAt: now,
    overall: components.some((c) => c.status !== 'operational') ? 'partial_outage' : 'operational',
    components,
    incidents,
    maintenance: [
      {
        id: '1',
        title: 'Database upgrade',
        message: 'We move the primary database to new hardware. Expect no interruption.',
        components: [names[0] ?? 'Product 1'],
        startsAt: now + 2 * DAY,
        endsAt: now + 2 * DAY + 3_600_000,
        state: 'upcoming',
      },
    ],
    uptimeSince: now - 365 * DAY,
  };
}

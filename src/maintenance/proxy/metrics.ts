import type { RefusalReason } from './pause-gate.ts';

/** Counters the proxy keeps; plain numbers so worker processes can add them up. */
export interface ProxyCounters {
  /** Responses sent to clients, by status class: index 1 is 1xx ... index 5 is 5xx. */
  responsesByClass: number[];
  refused: Record<RefusalReason, number>;
  /** 502/504: no upstream answered. */
  upstreamFailures: number;
  retries: number;
  upgrades: number;
}

export function emptyCounters(): ProxyCounters {
  return {
    responsesByClass: [0, 0, 0, 0, 0, 0],
    refused: { max_hold: 0, max_held: 0 },
    upstreamFailures: 0,
    retries: 0,
    upgrades: 0,
  };
}

export function addCounters(into: ProxyCounters, from: ProxyCounters): ProxyCounters {
  for (let i = 0; i < into.responsesByClass.length; i++)
    (into.responsesByClass[i] as number) += from.responsesByClass[i] ?? 0;
  into.refused.max_hold += from.refused.max_hold;
  into.refused.max_held += from.refused.max_held;
  into.upstreamFailures += from.upstreamFailures;
  into.retries += from.retries;
  into.upgrades += from.upgrades;
  return into;
}

export interface MetricsSnapshot {
  counters: ProxyCounters;
  paused: boolean;
  heldNow: number;
  longestHoldMs: number;
  pausesTotal: number;
  autoResumesTotal: number;
  upstreams: { url: string; healthy: boolean }[];
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text exposition format. */
export function renderMetrics(m: MetricsSnapshot): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  metric(
    'vigil_proxy_requests_total',
    'counter',
    'Responses sent to clients, by status class.',
    [1, 2, 3, 4, 5].map((c) => [`{code="${c}xx"}`, m.counters.responsesByClass[c] ?? 0]),
  );
  metric('vigil_proxy_paused', 'gauge', '1 while requests are being held.', [['', m.paused ? 1 : 0]]);
  metric('vigil_proxy_requests_held', 'gauge', 'Requests waiting now.', [['', m.heldNow]]);
  metric('vigil_proxy_longest_hold_seconds', 'gauge', 'How long the oldest waiting request has waited.', [
    ['', m.longestHoldMs / 1000],
  ]);
  metric('vigil_proxy_pauses_total', 'counter', 'Pauses begun.', [['', m.pausesTotal]]);
  metric('vigil_proxy_auto_resumes_total', 'counter', 'Pauses that ended by reaching their maximum length.', [
    ['', m.autoResumesTotal],
  ]);
  metric('vigil_proxy_refused_total', 'counter', '503 responses by reason.', [
    ['{reason="max_hold"}', m.counters.refused.max_hold],
    ['{reason="max_held"}', m.counters.refused.max_held],
  ]);
  metric('vigil_proxy_upstream_failures_total', 'counter', '502/504 responses: no upstream answered.', [
    ['', m.counters.upstreamFailures],
  ]);
  metric('vigil_proxy_retries_total', 'counter', 'Requests retried on another upstream.', [
    ['', m.counters.retries],
  ]);
  metric(
    'vigil_proxy_upstream_healthy',
    'gauge',
    '1 while the upstream is in rotation.',
    m.upstreams.map((u) => [`{upstream="${escapeLabel(u.url)}"}`, u.healthy ? 1 : 0]),
  );
  return `${lines.join('\n')}\n`;
}

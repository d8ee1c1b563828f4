import type { Daemon } from '../../src/api/daemon.ts';
import { type ForecastParams, forecastObject } from '../../src/checks/forecast.ts';
import { answerCapacity } from '../../src/forecast/capacity.ts';
import { CHART_POINTS } from '../../src/forecast/capacity-json.ts';
import { readStoredSeries } from '../../src/forecast/stored-series.ts';
import { binned, DAY_MS } from '../../src/forecast/trend.ts';
import { objectDeployNames } from '../../src/model/deploy-subjects.ts';
import { describeState } from '../../src/model/problems.ts';
import {
  HOST_STATE_NAMES,
  type Host,
  type ObjectState,
  SERVICE_STATE_NAMES,
  type Service,
} from '../../src/model/types.ts';
import type { Deploy } from '../../src/store/deploys.ts';
import { graphOf } from '../../src/topology/from-model.ts';
import { forecastChart } from '../forecast-chart.ts';
import { formatAge, locationText, objectLink, shownState, stateBadge, time } from '../format.ts';
import { type Html, html } from '../html.ts';
import { holds, type PageContext, renderPage } from '../layout.ts';
import { timelineSegments } from '../state-timeline.ts';

// One host's or one service's page: its state and output, how its state went over a range,
// its performance data, what it needs and what needs it, and the operator's actions.

export const RANGES: Record<string, number> = {
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** Longest list of dependents shown on a page (a core switch may have thousands). */
const DEPENDENTS_SHOWN = 200;

export async function objectPage(
  context: PageContext,
  daemon: Daemon,
  objectId: string,
  rangeText: string | undefined,
  now: number,
): Promise<Html | undefined> {
  const model = daemon.engine.currentModel;
  const service = model.services.get(objectId);
  const host = model.hosts.get(service ? service.host : objectId);
  if (!host || (objectId.includes('/') && !service)) return undefined;
  const range = rangeText !== undefined && Object.hasOwn(RANGES, rangeText) ? rangeText : '24h';
  const since = now - (RANGES[range] as number);
  const state = daemon.engine.stateOf(objectId);
  const names: readonly string[] = service ? SERVICE_STATE_NAMES : HOST_STATE_NAMES;
  const row = state ? describeState(model, state) : undefined;
  const events = await daemon.store.history({ objectId, since, until: now, limit: 5_000 });
  const deployNames = objectDeployNames(model, objectId);
  const deploys = (await daemon.store.deploys.list({ since, until: now + 1 })).filter((d) =>
    deployNames.has(d.service),
  );
  const ack = daemon.suppressions.acknowledgementOf(objectId, now);
  const downtimes = daemon.suppressions.downtimesOf(objectId, now);
  const operator = holds(context.principal, 'operator');
  const title = service
    ? `${host.name} / ${service.displayName || service.name}`
    : host.displayName || host.name;

  const main = html`<article class="object" data-object="${objectId}" data-kind="${service ? 'service' : 'host'}">
<header class="object-head">
<h1>${stateBadge(shownState(model, objectId, state))} ${title}</h1>
${service ? html`<p class="crumbs">service of ${objectLink(host.name)}</p>` : ''}
${
  operator
    ? html`<div class="actions">
<button type="button" data-action="ack" data-object="${objectId}"${ack || !state || state.state === 0 ? html` disabled` : ''}>Acknowledge</button>
<button type="button" data-action="downtime" data-object="${objectId}">Downtime</button>
<button type="button" data-action="recheck" data-object="${objectId}">Re-check</button>
</div>`
    : ''
}
</header>
<section class="current" aria-labelledby="current-title">
<h2 id="current-title">Current state</h2>
${
  state && row
    ? currentState(state, row.attempt, now)
    : service || host.check
      ? html`<p>Not checked yet (PENDING).</p>`
      : html`<p>This host has no check: it is taken to be UP, and its services and the hosts behind it are checked on their own.</p>`
}
</section>
${suppressionsSection(objectId, ack, downtimes, operator)}
<section aria-labelledby="history-title">
<h2 id="history-title">State history</h2>
<nav class="ranges" aria-label="Time range">${Object.keys(RANGES).map(
    (r) => html`<a href="?range=${r}"${r === range ? html` aria-current="true"` : ''}>${r}</a>`,
  )}</nav>
${timeline(events, since, now, state?.state, names, deploys)}
${historyTable(events, names)}
</section>
${service?.check.kind === 'forecast' ? await forecastSection(daemon, service, now) : ''}
<section aria-labelledby="perf-title">
<h2 id="perf-title">Performance data</h2>
<p class="hint">Drag across a chart to zoom in; double-click to zoom out.</p>
<div class="charts" id="charts" data-object="${objectId}" data-since="${since}" data-until="${now}" data-deploys="${JSON.stringify(
    deploys.map((d) => ({ at: d.at, service: d.service, version: d.version, by: d.by })),
  )}"><p class="muted">Loading…</p></div>
</section>
${dependencies(daemon, objectId, host)}
${service ? '' : locationSection(host)}
</article>`;
  return renderPage(context, { title, section: 'hosts', main, charts: true });
}

/**
 * A forecast service: the trend it judges, drawn — the samples of the object it reads, the
 * fitted line carried to the limit, the limit — with the same sentence the check reports.
 */
async function forecastSection(daemon: Daemon, service: Service, now: number): Promise<Html> {
  const p = service.check.params as ForecastParams;
  const objectId = forecastObject(p.object, service.host);
  const series = await readStoredSeries(daemon.store, objectId, p.label, now - p.window, now);
  const answer = answerCapacity(
    series,
    {
      limit: p.limit,
      direction: p.direction,
      windowMs: p.window,
      minSamples: p.min_samples,
      what: p.what ?? `${objectId} ${p.label}`,
    },
    now,
  );
  const body =
    series.samples.length === 0
      ? html`<p class="muted">No perfdata "${p.label}" stored for ${objectId} in the last ${Math.round(p.window / DAY_MS)} days.</p>`
      : 'problem' in answer
        ? html`<p class="muted">${answer.problem}</p>`
        : html`<p>${answer.summary}</p>
${forecastChart({
  points: binned(series.samples, CHART_POINTS),
  projection: answer.projection,
  limit: answer.limit,
  unit: answer.unit,
  now,
  ...(answer.forecast.verdict === 'crossing' ? { crossingAt: answer.forecast.at } : {}),
  label: `${objectId} ${p.label}`,
})}`;
  return html`<section aria-labelledby="forecast-title">
<h2 id="forecast-title">Forecast</h2>
<p class="hint">The trend of ${objectLink(objectId)} "${p.label}" over the last ${Math.round(p.window / DAY_MS)} days (blue), carried on to the limit (red); dashed: the fitted line.</p>
${body}
</section>`;
}

function currentState(state: ObjectState, attempt: string, now: number): Html {
  return html`<dl class="facts">
<dt>State</dt><dd>${state.stateType} · attempt ${attempt}${state.flapping ? ' · flapping' : ''}</dd>
<dt>Since</dt><dd>${time(state.lastStateChange)} (${formatAge(now - state.lastStateChange)})</dd>
<dt>Last check</dt><dd>${state.lastCheck > 0 ? html`${time(state.lastCheck)} (${formatAge(now - state.lastCheck)} ago)` : 'never'}</dd>
</dl>
<pre class="plugin-output">${state.output}</pre>
${state.longOutput ? html`<details open><summary>Long output</summary><pre class="plugin-output long">${state.longOutput}</pre></details>` : ''}`;
}

function suppressionsSection(
  objectId: string,
  ack: ReturnType<Daemon['suppressions']['acknowledgementOf']>,
  downtimes: ReturnType<Daemon['suppressions']['downtimesOf']>,
  operator: boolean,
): Html {
  if (!ack && downtimes.length === 0) return html``;
  return html`<section aria-labelledby="supp-title">
<h2 id="supp-title">Acknowledgement and downtime</h2>
<ul class="plain">
${
  ack
    ? html`<li><span class="badge ack">acknowledged</span> by ${ack.author} at ${time(ack.createdAt)}${ack.sticky ? ' (sticky)' : ''}${
        ack.expiresAt ? html`, expires ${time(ack.expiresAt)}` : ''
      }: <q>${ack.comment}</q>${
        operator
          ? html` <button type="button" data-action="unack" data-object="${objectId}">Remove</button>`
          : ''
      }</li>`
    : ''
}
${downtimes.map(
  (w) =>
    html`<li><span class="badge downtime">downtime</span> ${w.target.kind} ${w.target.name}, by ${w.author}: <q>${w.comment}</q>${
      w.endAt ? html`, until ${time(w.endAt)}` : ''
    }${operator ? html` <button type="button" data-action="cancel-downtime" data-downtime="${w.id}">Cancel</button>` : ''}</li>`,
)}
</ul>
</section>`;
}

/** The state over the range as coloured bars, drawn on the server (no script needed). */
function timeline(
  events: Parameters<typeof timelineSegments>[0],
  since: number,
  until: number,
  current: number | undefined,
  names: readonly string[],
  deploys: readonly Deploy[],
): Html {
  const segments = timelineSegments(events, since, until, current);
  if (segments.length === 0) return html`<p class="muted">No history in this range.</p>`;
  const width = 1000;
  const x = (t: number) => ((t - since) / (until - since)) * width;
  return html`<svg class="timeline" viewBox="0 0 ${width} 28" preserveAspectRatio="none" role="img" aria-label="State over the selected range">
${segments.map((s) => {
  const name = names[s.state] ?? String(s.state);
  return html`<rect class="bar state-${name.toLowerCase()}" x="${x(s.start).toFixed(2)}" y="0" width="${Math.max(2, x(s.end) - x(s.start)).toFixed(2)}" height="28"><title>${name} from ${new Date(s.start).toISOString()} to ${new Date(s.end).toISOString()}</title></rect>`;
})}
${deploys.map(
  (d) =>
    html`<line class="deploy" x1="${x(d.at).toFixed(2)}" x2="${x(d.at).toFixed(2)}" y1="0" y2="28"><title>${deployTitle(d)} at ${new Date(d.at).toISOString()}</title></line>`,
)}
</svg>
<div class="timeline-axis"><span>${new Date(since).toISOString().slice(0, 16).replace('T', ' ')}</span><span>now</span></div>`;
}

/** A deploy marker's tooltip, as on the charts. */
export function deployTitle(deploy: Pick<Deploy, 'service' | 'version' | 'by'>): string {
  return `${deploy.service}: version ${deploy.version}${deploy.by ? ` by ${deploy.by}` : ''}`;
}

function historyTable(events: Parameters<typeof timelineSegments>[0], names: readonly string[]): Html {
  const shown = events.filter((e) => e.kind !== 'soft-change').slice(0, 50);
  if (shown.length === 0) return html``;
  return html`<details><summary>Last ${shown.length === 1 ? 'change' : `${shown.length} changes`}</summary>
<table class="grid"><thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">State</th><th scope="col">Output</th></tr></thead>
<tbody>${shown.map(
    (e) =>
      html`<tr><td>${time(e.at)}</td><td>${e.kind}</td><td>${stateBadge(names[e.state] ?? String(e.state))}</td><td class="output">${e.output}</td></tr>`,
  )}</tbody></table></details>`;
}

function dependencies(daemon: Daemon, objectId: string, host: Host): Html {
  const model = daemon.engine.currentModel;
  const graph = graphOf(model);
  const index = graph.index.get(objectId);
  if (index === undefined) return html``;
  const stateLabel = (id: string) => shownState(model, id, daemon.engine.stateOf(id));
  const item = (id: string) => html`<li>${stateBadge(stateLabel(id))} ${objectLink(id)}</li>`;
  const up = (graph.requirements[index] ?? []).map(
    (group) =>
      html`<li>${group.label} ${group.members.length > 1 ? `(at least ${group.minUp} of ${group.members.length})` : ''}<ul>${Array.from(
        group.members,
        (m) => item(graph.ids[m] as string),
      )}</ul></li>`,
  );
  const dependents = Array.from(graph.dependents[index] ?? [], (d) => graph.ids[d] as string);
  const services = dependents.filter((id) => model.services.get(id)?.host === objectId);
  const children = dependents.filter((id) => model.hosts.has(id));
  const others = dependents.filter((id) => !services.includes(id) && !children.includes(id));
  const list = (title: string, ids: string[]) =>
    ids.length === 0
      ? ''
      : html`<h3>${title} (${ids.length})</h3><ul class="deps">${ids.slice(0, DEPENDENTS_SHOWN).map(item)}</ul>${
          ids.length > DEPENDENTS_SHOWN
            ? html`<p class="more">and ${ids.length - DEPENDENTS_SHOWN} more</p>`
            : ''
        }`;
  return html`<section aria-labelledby="deps-title">
<h2 id="deps-title">Dependencies</h2>
<div class="columns">
<div><h3>Needs</h3>${up.length ? html`<ul class="deps">${up}</ul>` : html`<p class="muted">nothing: top of the topology</p>`}</div>
<div>${list('Services', services)}${list('Hosts behind it', children)}${list('Depend on it', others)}${
    dependents.length === 0 ? html`<h3>Needed by</h3><p class="muted">nothing</p>` : ''
  }</div>
</div>
</section>`;
}

function locationSection(host: Host): Html {
  const l = host.location;
  const facts: [string, string | undefined][] = [
    ['Address', host.address],
    ['Site', l.site],
    ['Room', l.room],
    ['Cabinet', l.cabinet],
    ['Rack unit', l.rackUnit],
    ['Out-of-band', l.oob],
    ['Notes', l.notes],
  ];
  return html`<section aria-labelledby="loc-title">
<h2 id="loc-title">Location</h2>
<dl class="facts">${facts
    .filter((f): f is [string, string] => Boolean(f[1]))
    .map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>
${locationText(l) ? '' : html`<p class="muted">No location recorded (add <code>location:</code> to this host).</p>`}
</section>`;
}

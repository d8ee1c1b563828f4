import type { Daemon } from '../../src/api/daemon.ts';
import { upcoming } from '../../src/model/oncall.ts';
import { formatInZone } from '../../src/model/zoned-time.ts';
import type { OutboxEntry } from '../../src/store/outbox.ts';
import { time } from '../format.ts';
import { type Html, html } from '../html.ts';
import { type PageContext, renderPage } from '../layout.ts';

// Who gets paged now and next, per schedule, and what Vigil recently sent and whether it
// arrived: the first place to look when someone says "I never got the page".

const NOTIFICATIONS_SHOWN = 50;

export async function oncallPage(context: PageContext, daemon: Daemon, now: number): Promise<Html> {
  const model = daemon.engine.currentModel;
  const schedules = [...model.schedules.values()].map((schedule) => {
    const [current, next] = upcoming(schedule, now, 2);
    const local = (t: number | null | undefined) =>
      t === null || t === undefined ? '—' : formatInZone(t, schedule.timeZone);
    return html`<tr><th scope="row">${schedule.name}</th>
<td><strong>${current?.person ?? '(nobody)'}</strong>${current?.layer ? html` <small>${current.layer}</small>` : ''}</td>
<td>${local(current?.end)}</td>
<td>${next ? html`${next.person ?? '(nobody)'}${next.layer ? html` <small>${next.layer}</small>` : ''}` : '—'}</td>
<td>${schedule.timeZone}</td></tr>`;
  });
  const entries = await daemon.store.outbox.list({ limit: NOTIFICATIONS_SHOWN });
  const main = html`<h1>On call</h1>
${
  schedules.length
    ? html`<table class="grid"><thead><tr><th scope="col">Schedule</th><th scope="col">On call now</th><th scope="col">Until</th><th scope="col">Next</th><th scope="col">Time zone</th></tr></thead><tbody>${schedules}</tbody></table>`
    : html`<p class="muted">No on-call schedules are configured.</p>`
}
<h2>Recent notifications</h2>
${
  entries.length
    ? html`<table class="grid notifications"><thead><tr><th scope="col">Queued</th><th scope="col">To</th><th scope="col">Notification</th><th scope="col">Delivery</th></tr></thead>
<tbody>${entries.map(notificationRow)}</tbody></table>`
    : html`<p class="muted">Nothing sent yet.</p>`
}`;
  return renderPage(context, { title: 'On call', section: 'oncall', main });
}

function notificationRow(entry: OutboxEntry): Html {
  const payload = entry.payload as { title?: unknown; kind?: unknown } | null;
  const title = typeof payload?.title === 'string' ? payload.title : entry.id;
  const kind = typeof payload?.kind === 'string' ? payload.kind : '';
  const status =
    entry.status === 'delivered'
      ? html`<span class="delivery ok">delivered</span> ${entry.deliveredAt ? time(entry.deliveredAt) : ''}`
      : entry.status === 'failed'
        ? html`<span class="delivery failed">failed</span> after ${entry.attempts} attempts: ${entry.lastError}`
        : html`<span class="delivery pending">pending</span>${entry.attempts ? html` (${entry.attempts} attempts; last error: ${entry.lastError})` : ''}`;
  return html`<tr><td>${time(entry.createdAt)}</td><td>${entry.receiver}</td><td>${kind ? html`<small>${kind}</small> ` : ''}${title}</td><td>${status}</td></tr>`;
}

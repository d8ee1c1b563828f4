import { escapeHtml } from '../../alerting/channels/format.ts';
import { listOf, PHASE_LABELS } from '../incidents/wording.ts';
import type { SubscriberNotification } from './messages.ts';

// The e-mail customers receive: plain words about the incident (title, phase, message,
// components) or the subscription, and always the way out. Nothing of the operators' alert
// format (states, hosts, routes) appears. Every stored string is escaped in the HTML part;
// the text part is the same content.

export interface SubscriberMail {
  subject: string;
  text: string;
  html: string;
}

const phaseLabel = (phase: string) => PHASE_LABELS[phase as keyof typeof PHASE_LABELS] ?? phase;

/** "2026-03-16 02:04 UTC" */
function when(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function page(heading: string, paragraphs: string[], footer: string[]): string {
  return `<!doctype html>
<html><body style="font-family:sans-serif;max-width:40em">
<h2 style="margin:4px 0">${escapeHtml(heading)}</h2>
${paragraphs.join('\n')}
<hr style="border:0;border-top:1px solid #ccc">
<p style="color:#555;font-size:small">${footer.join('<br>')}</p>
</body></html>
`;
}

const link = (url: string, text = url) => `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;
const paragraph = (text: string) => `<p style="white-space:pre-wrap">${escapeHtml(text)}</p>`;

/** The mail for a subscriber notification; undefined when it carries neither an incident nor a confirmation. */
export function subscriberMail(n: SubscriberNotification): SubscriberMail | undefined {
  const site = n.statusSite?.title ?? 'the status page';
  if (n.confirmation) {
    const { scope, confirmUrl } = n.confirmation;
    const asked = `Someone (hopefully you) asked to receive incident updates from ${site} for ${scope}.`;
    const ignore =
      'If you did not ask for this, ignore this message: without confirmation nothing more is sent.';
    return {
      subject: `Confirm your subscription to ${site}`,
      text: [asked, '', `To confirm, open this link: ${confirmUrl}`, '', ignore].join('\n'),
      html: page(
        `Confirm your subscription to ${site}`,
        [paragraph(asked), `<p>${link(confirmUrl, 'Confirm my subscription')}</p>`, paragraph(ignore)],
        [escapeHtml(`Or copy this address into your browser: ${confirmUrl}`)],
      ),
    };
  }
  const incident = n.incident;
  if (!incident) return undefined;
  const phase = phaseLabel(incident.phase);
  const affected = `Affected: ${listOf(incident.components)}`;
  const why = `You receive this because you subscribed to incident updates from ${site}.`;
  return {
    subject: `[${site}] ${incident.title} — ${phase}`.replace(/\s+/g, ' ').slice(0, 250),
    text: [
      incident.title,
      `${phase} — ${when(incident.at)}`,
      '',
      incident.message,
      '',
      affected,
      ...(incident.url ? [`Status page: ${incident.url}`] : []),
      '',
      why,
      `Unsubscribe: ${incident.unsubscribeUrl}`,
    ].join('\n'),
    html: page(
      incident.title,
      [
        `<p><strong>${escapeHtml(phase)}</strong> — ${escapeHtml(when(incident.at))}</p>`,
        paragraph(incident.message),
        `<p>${escapeHtml(affected)}</p>`,
        ...(incident.url ? [`<p>${link(incident.url, `${site} status page`)}</p>`] : []),
      ],
      [escapeHtml(why), link(incident.unsubscribeUrl, 'Unsubscribe')],
    ),
  };
}

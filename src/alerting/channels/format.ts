// The text every channel builds its messages from: one headline per notification kind and
// state, the affected and location lines, the colour and emoji of each, and the optional
// `template` setting ({{title}}-style substitution). Channels only add their own markup.
import { z } from 'zod';
import type { PhysicalLocation } from '../../model/types.ts';
import type { Notification, ProblemSummary } from '../notification.ts';

/** How a notification should look: decides colour and emoji. */
export type Tone =
  | 'critical'
  | 'warning'
  | 'unknown'
  | 'recovery'
  | 'acknowledgement'
  | 'flapping'
  | 'downtime';

export function toneOf(n: Notification): Tone {
  switch (n.kind) {
    case 'recovery':
      return 'recovery';
    case 'acknowledgement':
      return 'acknowledgement';
    case 'flapping':
      return 'flapping';
    case 'downtime-start':
    case 'downtime-end':
      return 'downtime';
    case 'problem':
      if (n.problem.state === 'WARNING') return 'warning';
      if (n.problem.state === 'UNKNOWN') return 'unknown';
      if (n.problem.state === 'OK' || n.problem.state === 'UP') return 'recovery';
      return 'critical';
  }
}

const EMOJI: Record<Tone, string> = {
  critical: '🔴',
  warning: '🟠',
  unknown: '🟣',
  recovery: '✅',
  acknowledgement: '👀',
  flapping: '🔁',
  downtime: '🔧',
};

/** Hex colours, `#rrggbb`: red, amber, purple, green, blue, orange, grey. */
const COLOUR: Record<Tone, string> = {
  critical: '#d93025',
  warning: '#f9a825',
  unknown: '#8e44ad',
  recovery: '#2e7d32',
  acknowledgement: '#1a73e8',
  flapping: '#ef6c00',
  downtime: '#757575',
};

export const emojiOf = (n: Notification): string => EMOJI[toneOf(n)];
export const colourOf = (n: Notification): string => COLOUR[toneOf(n)];
/** The colour as the integer Discord embeds take. */
export const colourNumber = (n: Notification): number => Number.parseInt(colourOf(n).slice(1), 16);

/** What happened, without the emoji: the title with the kind's wording around it. */
export function summaryOf(n: Notification): string {
  switch (n.kind) {
    case 'problem':
      return n.title;
    case 'recovery':
      return `recovered: ${n.title}`;
    case 'acknowledgement': {
      const ack = n.acknowledgement;
      if (!ack) return `acknowledged: ${n.title}`;
      return ack.comment
        ? `acknowledged by ${ack.author}: ${ack.comment} — ${n.title}`
        : `acknowledged by ${ack.author} — ${n.title}`;
    }
    case 'flapping':
      return `flapping: ${n.title}`;
    case 'downtime-start':
      return `downtime started: ${n.title}`;
    case 'downtime-end':
      return `downtime ended: ${n.title}`;
  }
}

/** One line for any channel: "🔴 tor-a1 DOWN — 3 hosts unreachable ...", "✅ recovered: ...". */
export const headlineOf = (n: Notification): string => `${emojiOf(n)} ${summaryOf(n)}`;

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "3 hosts unreachable, 12 services affected, 2 losing redundancy", or undefined when nothing is. */
export function affectedLine(p: ProblemSummary): string | undefined {
  const parts: string[] = [];
  if (p.affectedHosts > 0) parts.push(`${plural(p.affectedHosts, 'host', 'hosts')} unreachable`);
  if (p.affectedServices > 0) parts.push(`${plural(p.affectedServices, 'service', 'services')} affected`);
  if (p.degraded.length > 0) parts.push(`${p.degraded.length} losing redundancy`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** "site ams1, room 2, cabinet B4, U12, out-of-band 10.0.0.5", or undefined when nothing is known. */
export function locationLine(location: PhysicalLocation): string | undefined {
  const parts: string[] = [];
  if (location.site) parts.push(`site ${location.site}`);
  if (location.room) parts.push(`room ${location.room}`);
  if (location.cabinet) parts.push(`cabinet ${location.cabinet}`);
  if (location.rackUnit)
    parts.push(/^\d/.test(location.rackUnit) ? `U${location.rackUnit}` : location.rackUnit);
  if (location.oob) parts.push(`out-of-band ${location.oob}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** Labelled facts for channels with fields (Slack, Teams, Discord, email), in display order. */
export function factsOf(n: Notification): { label: string; value: string }[] {
  const p = n.problem;
  const facts = [{ label: 'State', value: p.output ? `${p.state}: ${p.output}` : p.state }];
  const affected = affectedLine(p);
  if (affected) facts.push({ label: 'Affected', value: affected });
  const location = locationLine(p.location);
  if (location) facts.push({ label: 'Location', value: location });
  if (n.kind === 'problem' || n.kind === 'flapping')
    facts.push({ label: 'Since', value: new Date(p.since).toISOString() });
  if (n.acknowledgement)
    facts.push({
      label: 'Acknowledged by',
      value: n.acknowledgement.comment
        ? `${n.acknowledgement.author}: ${n.acknowledgement.comment}`
        : n.acknowledgement.author,
    });
  return facts;
}

/**
 * Everything on one line, for chat lines (Campfire) and chat previews: the headline, then the
 * affected and location lines unless the title already says them, then the dashboard link.
 */
export function oneLineOf(n: Notification): string {
  const parts = [headlineOf(n)];
  for (const extra of [affectedLine(n.problem), locationLine(n.problem.location)])
    if (extra && !n.title.includes(extra)) parts.push(extra);
  if (n.url) parts.push(n.url);
  return parts.join(' · ');
}

/** The whole message as plain text: headline, facts, the pipeline's text and the dashboard link. */
export function plainTextOf(n: Notification): string {
  const lines = [headlineOf(n), ...factsOf(n).map((f) => `${f.label}: ${f.value}`)];
  if (n.text && n.text !== n.title) lines.push('', n.text);
  if (n.url) lines.push('', n.url);
  return lines.join('\n');
}

/** Cuts text to `max` characters (code units), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The values a `template` may use, as {{name}}. */
export function templateValues(n: Notification): Record<string, string> {
  const p = n.problem;
  return {
    headline: headlineOf(n),
    summary: summaryOf(n),
    emoji: emojiOf(n),
    title: n.title,
    text: n.text,
    kind: n.kind,
    urgency: n.urgency,
    route: n.route,
    object: p.objectId,
    host: p.host,
    service: p.service ?? '',
    state: p.state,
    output: p.output,
    affected: affectedLine(p) ?? '',
    location: locationLine(p.location) ?? '',
    since: new Date(p.since).toISOString(),
    url: n.url ?? '',
    author: n.acknowledgement?.author ?? '',
    comment: n.acknowledgement?.comment ?? '',
    id: n.id,
  };
}

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;
const TEMPLATE_NAMES = new Set(
  Object.keys(
    templateValues({
      id: '',
      kind: 'problem',
      urgency: 'chat',
      route: '',
      receiver: '',
      title: '',
      text: '',
      createdAt: 0,
      problem: {
        objectId: '',
        host: '',
        service: null,
        state: '',
        output: '',
        since: 0,
        affected: [],
        affectedHosts: 0,
        affectedServices: 0,
        degraded: [],
        location: {},
        flapping: false,
        tags: [],
      },
    }),
  ),
);

/** A `template` setting: checked for unknown {{names}} when the configuration is loaded. */
export const templateSchema = z
  .string()
  .min(1, 'template is empty')
  .superRefine((text, ctx) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const name = match[1] as string;
      if (!TEMPLATE_NAMES.has(name))
        ctx.addIssue({
          code: 'custom',
          message: `template: unknown placeholder {{${name}}}; known: ${[...TEMPLATE_NAMES].join(', ')}`,
        });
    }
  });

/**
 * Fills a template's {{name}} placeholders from the notification. `escape` is applied to the
 * substituted values only, so markup written in the template itself stays markup.
 */
export function renderTemplate(template: string, n: Notification, escape: (s: string) => string = (s) => s) {
  const values = templateValues(n);
  return template.replace(PLACEHOLDER, (_, name: string) => escape(values[name] ?? ''));
}

const HTML_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML (email bodies, Telegram's HTML parse mode). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITY[c] as string);
}

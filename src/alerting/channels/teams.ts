// The `teams` channel: a Microsoft Teams incoming webhook. `format: adaptive` (the default)
// posts an Adaptive Card message, as a Teams Workflows "when a webhook request is received"
// flow expects; `format: messagecard` posts the legacy Office 365 connector MessageCard.
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';
import {
  colourOf,
  factsOf,
  headlineOf,
  renderTemplate,
  type Tone,
  templateSchema,
  toneOf,
} from './format.ts';
import { expectSuccess, httpUrl, postJson } from './post.ts';

const settings = z.strictObject({
  url: httpUrl('url'),
  format: z
    .enum(['adaptive', 'messagecard'], { error: 'format must be adaptive or messagecard' })
    .default('adaptive'),
  /** Replaces the card's heading; {{placeholders}} as documented. */
  template: templateSchema.optional(),
});

export type TeamsSettings = z.output<typeof settings>;

const CONTAINER_STYLE: Record<Tone, string> = {
  critical: 'attention',
  warning: 'warning',
  unknown: 'emphasis',
  recovery: 'good',
  acknowledgement: 'accent',
  flapping: 'warning',
  downtime: 'emphasis',
};

export function teamsPayload(n: Notification, s: TeamsSettings): Record<string, unknown> {
  const heading = s.template ? renderTemplate(s.template, n) : headlineOf(n);
  const facts = factsOf(n);
  const details = n.text && n.text !== n.title ? n.text : undefined;
  if (s.format === 'messagecard') {
    return {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      themeColor: colourOf(n).slice(1),
      summary: heading,
      title: heading,
      sections: [
        {
          activityTitle: n.problem.objectId,
          facts: facts.map((f) => ({ name: f.label, value: f.value })),
          ...(details ? { text: details } : {}),
        },
      ],
      ...(n.url
        ? {
            potentialAction: [
              { '@type': 'OpenUri', name: 'Open in Vigil', targets: [{ os: 'default', uri: n.url }] },
            ],
          }
        : {}),
    };
  }
  const body: unknown[] = [
    {
      type: 'Container',
      style: CONTAINER_STYLE[toneOf(n)],
      bleed: true,
      items: [{ type: 'TextBlock', text: heading, weight: 'Bolder', size: 'Medium', wrap: true }],
    },
    { type: 'FactSet', facts: facts.map((f) => ({ title: f.label, value: f.value })) },
  ];
  if (details) body.push({ type: 'TextBlock', text: details, wrap: true, isSubtle: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          ...(n.url ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in Vigil', url: n.url }] } : {}),
        },
      },
    ],
  };
}

export const teamsChannel: Channel<TeamsSettings> = {
  kind: 'teams',
  settings,
  async send(notification, s, context) {
    const reply = await postJson(s.url, teamsPayload(notification, s), context);
    // Legacy connectors answer 200 with the failure in the body ("... returned HTTP error 429").
    const hidden = reply.status === 200 ? /returned HTTP error (\d{3})/.exec(reply.body) : null;
    expectSuccess(hidden ? { ...reply, status: Number(hidden[1]) } : reply, s.url);
  },
};

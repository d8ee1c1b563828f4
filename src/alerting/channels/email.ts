// The `email` channel: one message over SMTP (nodemailer) with a plain-text and an HTML body.
// Its Message-ID comes from the notification id, so a redelivered message is recognisably the
// same; In-Reply-To/References name one key per problem occurrence, so the problem, its
// acknowledgement and its recovery thread together. SMTP 4xx replies and lost connections are
// retryable, 5xx replies permanent.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { type Channel, DeliveryError, type SendContext } from './channel.ts';
import {
  colourOf,
  escapeHtml,
  factsOf,
  headlineOf,
  plainTextOf,
  renderTemplate,
  templateSchema,
  truncate,
} from './format.ts';
import { occurrenceDigest } from './problem-key.ts';

const addressList = (what: string) =>
  z.string().refine(
    (text) => {
      const list = addressparser(text, { flatten: true });
      return list.length > 0 && list.every((a) => /^[^@\s]+@[^@\s]+$/.test(a.address));
    },
    { message: `${what} must be e-mail addresses such as "Vigil <vigil@example.com>"` },
  );

const settings = z
  .strictObject({
    host: z.string().min(1, 'host is empty'),
    /** Default 465 with `secure`, else 587 (submission). */
    port: z.number().int().min(1).max(65535).optional(),
    /** TLS from the first byte (port 465); otherwise see `starttls`. */
    secure: z.boolean().default(false),
    /** Upgrade with STARTTLS: `required` (default when auth is set), `opportunistic` (default otherwise), `never`. */
    starttls: z
      .enum(['required', 'opportunistic', 'never'], {
        error: 'starttls must be required, opportunistic or never',
      })
      .optional(),
    /** Accept any server certificate (self-signed relays). */
    insecure: z.boolean().default(false),
    auth: z.strictObject({ user: z.string().min(1), pass: z.string() }).optional(),
    from: addressList('from'),
    to: z
      .union([addressList('to'), z.array(addressList('to')).min(1, 'to is empty')])
      .transform((to) => (Array.isArray(to) ? to : [to])),
    cc: z
      .union([addressList('cc'), z.array(addressList('cc'))])
      .transform((cc) => (Array.isArray(cc) ? cc : [cc]))
      .default([]),
    subject_prefix: z.string().default('[Vigil]'),
    /** Replaces the subject after the prefix; {{placeholders}} as documented. */
    subject: templateSchema.optional(),
    /** Domain of Message-ID headers; defaults to the domain of `from`. */
    message_id_domain: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'message_id_domain is a domain name')
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.secure && s.starttls !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'starttls applies only without secure (secure is TLS from the start)',
      });
  });

export type EmailSettings = z.output<typeof settings>;

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

function messageIdDomain(s: EmailSettings): string {
  if (s.message_id_domain) return s.message_id_domain;
  const from = addressparser(s.from, { flatten: true })[0]?.address ?? '';
  return from.split('@')[1] || 'vigil.invalid';
}

/** The threading headers: this notification's own id and the key of its problem occurrence. */
export function emailIds(n: Notification, s: EmailSettings): { messageId: string; problemId: string } {
  const domain = messageIdDomain(s);
  return {
    messageId: `<${digest(n.id)}.notification@${domain}>`,
    problemId: `<${occurrenceDigest(n.problem)}.problem@${domain}>`,
  };
}

export function emailSubject(n: Notification, s: EmailSettings): string {
  const text = s.subject ? renderTemplate(s.subject, n) : headlineOf(n);
  return truncate([s.subject_prefix, text].filter(Boolean).join(' ').replace(/\s+/g, ' '), 250);
}

export function emailHtml(n: Notification): string {
  const rows = factsOf(n)
    .map(
      (f) =>
        `<tr><th align="left" valign="top" style="padding:2px 12px 2px 0">${escapeHtml(f.label)}</th>` +
        `<td style="padding:2px 0">${escapeHtml(f.value)}</td></tr>`,
    )
    .join('\n');
  const details =
    n.text && n.text !== n.title ? `<pre style="white-space:pre-wrap">${escapeHtml(n.text)}</pre>` : '';
  const link = n.url ? `<p><a href="${escapeHtml(n.url)}">Open in Vigil</a></p>` : '';
  return `<!doctype html>
<html><body style="font-family:sans-serif">
<div style="border-left:6px solid ${colourOf(n)};padding:4px 12px">
<h2 style="margin:4px 0">${escapeHtml(headlineOf(n))}</h2>
<table style="border-collapse:collapse">
${rows}
</table>
${details}
${link}
</div>
<p style="color:#757575;font-size:small">Vigil · ${escapeHtml(n.route)} · ${escapeHtml(n.id)}</p>
</body></html>
`;
}

/** One message as it goes out: what the email channel writes for an alert, or another sender's own words. */
export interface OutgoingMail {
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  date: Date;
  priority?: 'high';
  headers: Record<string, string>;
}

/**
 * Sends one message through the receiver's mail server; throws a DeliveryError saying whether
 * a retry can help. Status-site subscriber mail uses it with its own wording.
 */
export async function sendEmail(s: EmailSettings, mail: OutgoingMail, context: SendContext): Promise<void> {
  const starttls = s.starttls ?? (s.auth ? 'required' : 'opportunistic');
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port ?? (s.secure ? 465 : 587),
    secure: s.secure,
    requireTLS: !s.secure && starttls === 'required',
    ignoreTLS: !s.secure && starttls === 'never',
    ...(s.auth ? { auth: { user: s.auth.user, pass: s.auth.pass } } : {}),
    tls: { rejectUnauthorized: !s.insecure },
    connectionTimeout: context.timeoutMs,
    greetingTimeout: context.timeoutMs,
    socketTimeout: context.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: s.from,
      to: s.to,
      ...(s.cc.length > 0 ? { cc: s.cc } : {}),
      ...mail,
      signal: context.signal,
    });
    const rejected = (info.rejected ?? []).map(String);
    if (rejected.length > 0)
      throw new DeliveryError(
        `${s.host}: accepted for ${info.accepted.map(String).join(', ')} but rejected ${rejected.join(', ')}`,
        false,
      );
  } catch (error) {
    throw classify(error, s, context);
  } finally {
    transport.close();
  }
}

export const emailChannel: Channel<EmailSettings> = {
  kind: 'email',
  settings,
  async send(n, s, context) {
    const { messageId, problemId } = emailIds(n, s);
    await sendEmail(
      s,
      {
        subject: emailSubject(n, s),
        text: plainTextOf(n),
        html: emailHtml(n),
        messageId,
        inReplyTo: problemId,
        references: [problemId],
        date: new Date(n.createdAt),
        ...(n.urgency === 'page' && n.kind === 'problem' ? { priority: 'high' as const } : {}),
        headers: {
          'X-Vigil-Notification': n.id,
          'X-Vigil-Kind': n.kind,
          'X-Vigil-Object': n.problem.objectId,
          'Auto-Submitted': 'auto-generated',
        },
      },
      context,
    );
  },
};

type SmtpError = Error & {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  permanent?: boolean;
};

/** SMTP 5xx (but 503) and configuration errors are permanent; 4xx, lost connections, timeouts retryable. */
function classify(error: unknown, s: EmailSettings, context: SendContext): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = error as SmtpError;
  if (context.signal.aborted || e.code === 'EABORT')
    return new DeliveryError(`${s.host}: no answer within ${context.timeoutMs / 1000}s`, true);
  if (e.responseCode !== undefined) {
    const permanent = e.permanent ?? (e.responseCode >= 500 && e.responseCode !== 503);
    const reply = (e.response ?? e.message).replace(/\s+/g, ' ').slice(0, 200);
    if (e.command === 'STARTTLS')
      return new DeliveryError(
        `${s.host}: STARTTLS is required (starttls: required) but failed: ${reply}`,
        false,
      );
    return new DeliveryError(
      `${s.host}: SMTP ${reply}${e.command ? ` (after ${e.command.split(' ')[0]})` : ''}`,
      !permanent,
    );
  }
  const permanent = ['ETLS', 'EREQUIRETLS', 'ENOAUTH', 'ECONFIG', 'EENVELOPE'].includes(e.code ?? '');
  return new DeliveryError(`${s.host}: ${e.code ? `${e.code} ` : ''}${e.message}`, !permanent);
}

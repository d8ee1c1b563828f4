import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../model/duration.ts';
import { scheduleSchema } from '../model/oncall.ts';
import { timePeriodSchema } from '../model/time-period.ts';

// The shapes users write in YAML. Cross-object rules (unknown parents, template cycles,
// check params) are checked later in resolve.ts, where every object is known.

const duration = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  message: 'is not a duration (examples: 30s, 5m, 1h30m, 250ms, or a number of seconds)',
});
const positiveDuration = duration.refine((v) => (parseDuration(v) ?? 0) > 0, {
  message: 'must be longer than 0',
});

/** An address or CIDR range as Fastify's `trustProxy` understands it, or one of its named ranges. */
function isProxyAddress(text: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(text)) return true;
  const [address = '', prefix, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const name = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'is longer than 200 characters')
  .regex(/^[^/\s$`'"\\]+$/, 'may not contain "/", spaces, quotes, "$" or backslashes');
const serviceName = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'is longer than 200 characters')
  .regex(/^[^$`\\\n]+$/, 'may not contain "$", backticks, backslashes or line breaks');
const oneOrMany = z.union([name, z.array(name)]);
const tags = z.array(z.string().min(1).max(100));
const vars = z.record(
  z.string().regex(/^[A-Za-z0-9_]+$/, 'variable names are letters, digits and _'),
  z.coerce.string(),
);

/** A check: a plugin command line as a string, or an object with `kind` and the kind's settings. */
export const checkSchema = z.union([
  z.string().min(1, 'check command must not be empty'),
  z.looseObject({ kind: z.string().min(1).optional() }),
]);
export type RawCheck = z.infer<typeof checkSchema>;

const location = z.strictObject({
  site: z.string().optional(),
  room: z.string().optional(),
  cabinet: z.coerce.string().optional(),
  rack_unit: z.coerce.string().optional(),
  oob: z.string().optional(),
  notes: z.string().optional(),
});

/** Settings every object and template may carry. */
const schedulingFields = {
  use: oneOrMany.optional(),
  check: checkSchema.optional(),
  interval: positiveDuration.optional(),
  retry_interval: positiveDuration.optional(),
  max_attempts: z.number().int().min(1).max(100).optional(),
  timeout: positiveDuration.optional(),
  tags: tags.optional(),
  vars: vars.optional(),
};

export const serviceSchema = z.strictObject({
  ...schedulingFields,
  name: serviceName,
  display_name: z.string().optional(),
  host: name.optional(),
  hosts: z.array(name).optional(),
  host_groups: z.array(name).optional(),
  attached_to: name.optional(),
});
export type RawService = z.infer<typeof serviceSchema>;

/** Services written inside a host take the host from their parent. */
export const inlineServiceSchema = serviceSchema.omit({ host: true, hosts: true, host_groups: true });

export const hostSchema = z.strictObject({
  ...schedulingFields,
  name,
  display_name: z.string().optional(),
  address: z.string().min(1).optional(),
  parents: z.array(name).optional(),
  parents_min_up: z.number().int().min(1).optional(),
  groups: z.array(name).optional(),
  location: location.optional(),
  services: z.array(inlineServiceSchema).optional(),
});
export type RawHost = z.infer<typeof hostSchema>;

export const templateSchema = z.strictObject({
  ...schedulingFields,
  address: z.string().min(1).optional(),
  parents: z.array(name).optional(),
  parents_min_up: z.number().int().min(1).optional(),
  groups: z.array(name).optional(),
  location: location.optional(),
});
export type RawTemplate = z.infer<typeof templateSchema>;

/** An object reference: a host name or `host/service`. */
const objectRef = z.string().regex(/^[^/\s]+(\/.+)?$/, 'is not a host name or host/service');

export const dependencySchema = z.strictObject({
  /** The dependent objects: hosts or host/service ids. */
  objects: z.array(objectRef).min(1, 'needs at least one dependent object'),
  on: z.array(objectRef).min(1, 'needs at least one object to depend on'),
  /** Default: every object in `on` is needed. */
  min_up: z.number().int().min(1).optional(),
  failing_states: z
    .array(z.enum(['WARNING', 'CRITICAL', 'UNKNOWN', 'DOWN', 'UNREACHABLE']))
    .min(1)
    .optional(),
  disable_checks: z.boolean().optional(),
  /** A time period (under time_periods) outside which the dependency does not apply. */
  period: name.optional(),
});

export const hostGroupSchema = z.strictObject({
  description: z.string().optional(),
  members: z.array(name).optional(),
});

const stateName = z.enum(['DOWN', 'UNREACHABLE', 'CRITICAL', 'WARNING', 'UNKNOWN']);

export const routeSchema = z.strictObject({
  name: z.string().min(1).max(200),
  match: z
    .strictObject({
      tags: z.array(z.string().min(1)).optional(),
      affects_tags: z.array(z.string().min(1)).optional(),
      host_groups: z.array(name).optional(),
      states: z.array(stateName).min(1).optional(),
      object_type: z.enum(['any', 'host', 'service']).optional(),
      during: name.optional(),
      outside: name.optional(),
    })
    .optional(),
  page: z.array(name).optional(),
  chat: z.array(name).optional(),
  email: z.array(name).optional(),
  resolved: z.boolean().optional(),
  continue: z.boolean().optional(),
  escalate: name.optional(),
  group_wait: duration.optional(),
  group_interval: duration.optional(),
});

export const contactSchema = z.strictObject({
  /** Channels (under channels:) that reach this person. */
  notify: z.array(name).min(1, 'a contact needs at least one channel to be reached on'),
});

/** `contact:alice`, `group:ops`, `schedule:primary`, or a bare name looked up in that order. */
const escalationTarget = z
  .string()
  .regex(/^((contact|group|schedule):)?[^\s:]+$/, 'is not contact:NAME, group:NAME, schedule:NAME or a name');

export const escalationPolicySchema = z.strictObject({
  steps: z
    .array(
      z.strictObject({
        notify: z.array(escalationTarget).min(1, 'a step notifies at least one contact, group or schedule'),
        wait: positiveDuration.optional(),
      }),
    )
    .min(1, 'a policy needs at least one step'),
  repeat: z.number().int().min(0).max(100).optional(),
});

/** A channel instance: `kind` plus the channel kind's own settings, checked against its schema later. */
export const receiverSchema = z.looseObject({ kind: z.string().min(1, 'channel needs a "kind"') });

export const settingsSchema = z.strictObject({
  public_url: z.url().optional(),
  concurrency: z.number().int().min(1).max(100_000).optional(),
  max_output: z
    .number()
    .int()
    .min(256)
    .max(16 * 1024 * 1024)
    .optional(),
  listen: z.string().optional(),
  // The inbound chat bot (docs/alerting/README.md, "Chat bot"); off without a secret.
  chatbot: z
    .strictObject({
      secret: z.string().min(16, 'the chat bot secret must be at least 16 characters').optional(),
      secret_file: z.string().min(1).optional(),
    })
    .refine((c) => (c.secret === undefined) !== (c.secret_file === undefined), {
      message: 'give secret or secret_file (one of them)',
    })
    .optional(),
  // Sign-in and tokens of the HTTP API (docs/security.md).
  api: z
    .strictObject({
      secure_cookies: z.boolean().optional(),
      metrics_require_token: z.boolean().optional(),
      cli_token_file: z.string().min(1).optional(),
      // Reverse proxies whose X-Forwarded-For/-Proto are believed: addresses and CIDR
      // ranges, or how many proxies stand in front (docs/security.md, "Exposing the API").
      trusted_proxies: z
        .union([
          z.array(
            z.string().refine(isProxyAddress, {
              message: 'is not an IP address, a CIDR range (10.0.0.0/8) or loopback/linklocal/uniquelocal',
            }),
          ),
          z.number().int('must be a whole number of proxies').min(1).max(10),
        ])
        .optional(),
    })
    .optional(),
  // The public status site and its incidents (docs/status/incidents.md).
  status_site: z
    .strictObject({
      title: z.string().min(1, 'title is empty').max(200).optional(),
      site_url: z
        .url({ protocol: /^https?$/, error: 'site_url must be a full http:// or https:// URL' })
        .optional(),
      time_zone: z.string().min(1).optional(),
      /** A draft incident goes public this long after it was opened, unless held. */
      publish_delay: duration.optional(),
      /** After every cause recovered: "monitoring", then resolved when it stays quiet this long. */
      resolve_after: duration.optional(),
      /** The time from first hard failure to first public post the team promises (for the report). */
      first_post_promise: positiveDuration.optional(),
      /** Start of the uptime page's period ("since launch"): a date or time. */
      uptime_since: z.union([z.string().min(1), z.date()]).optional(),
      /** Where the generated site is kept (default: status-site/ beside the SQLite file). */
      output: z.string().min(1, 'output is empty').optional(),
      /** Where the site is copied or uploaded after each generation (docs/status/site.md). */
      publishers: z.array(z.looseObject({ name, kind: z.string().min(1, 'kind is empty') })).optional(),
      subscribers: z
        .strictObject({
          /** An `email` receiver whose server (and, without `from`, sender) subscriber mail uses. */
          email_via: name.optional(),
          from: z.string().min(3).optional(),
          /** Unconfirmed e-mail subscriptions are forgotten after this long. */
          confirm_within: positiveDuration.optional(),
          /** Where the daemon's public /status/confirm and /status/unsubscribe answer (default: public_url). */
          link_base: z
            .url({ protocol: /^https?$/, error: 'link_base must be a full http:// or https:// URL' })
            .optional(),
          /** Anyone may subscribe a webhook (default: only operators, since the daemon POSTs to it). */
          public_webhooks: z.boolean().optional(),
          /** Webhooks may reach loopback, private and link-local addresses (default: public addresses only). */
          allow_private_webhooks: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
  flap_thresholds: z
    .strictObject({ low: z.number().min(0).max(100), high: z.number().min(0).max(100) })
    .refine((t) => t.low <= t.high, { message: 'low must not exceed high' })
    .optional(),
  store: z
    .strictObject({
      kind: z.enum(['sqlite', 'postgres']).optional(),
      path: z.string().min(1).optional(),
      url: z.string().min(1).optional(),
      retention: z
        .strictObject({
          results: positiveDuration.optional(),
          downsampled: positiveDuration.optional(),
          history: positiveDuration.optional(),
        })
        .optional(),
    })
    .optional(),
});

export const macrosSchema = z.record(
  z.string().regex(/^USER([1-9]|[1-9][0-9]|2[0-5][0-9])$/, 'user macros are named USER1 to USER256'),
  z.coerce.string(),
);

const percent = z.number().min(0, 'is a percentage from 0 to 100').max(100, 'is a percentage from 0 to 100');
const weight = z.number().min(0, 'is a weight from 0 to 1').max(1, 'is a weight from 0 to 1');

/** Component names are what customers read: spaces allowed, "/" not (it separates ids). */
const componentName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\n]+$/, 'may not contain "/" or line breaks');

/** A public component ("Basecamp", "API"); references are checked in config/components.ts. */
export const componentSchema = z.strictObject({
  description: z.string().optional(),
  parent: z.string().min(1).optional(),
  match: z
    .strictObject({
      services: z.array(objectRef).optional(),
      hosts: z.array(name).optional(),
      tags: z.array(z.string().min(1)).optional(),
      host_groups: z.array(name).optional(),
    })
    .optional(),
  status: z
    .strictObject({
      degraded_up_to: percent.optional(),
      major_from: percent.refine((v) => v > 0, { message: 'must be above 0' }).optional(),
      warning: z.enum(['degraded', 'ignore']).optional(),
    })
    .optional(),
  partial_weight: weight.optional(),
  degraded_weight: weight.optional(),
  target: z.number().gt(0, 'is a percentage above 0').lt(100, 'is a percentage below 100').optional(),
});

// A section written with nothing under it (`hosts:`) is the same as no section.
export const fileSchema = z.strictObject({
  settings: settingsSchema.nullish(),
  macros: macrosSchema.nullish(),
  templates: z.record(name, templateSchema).nullish(),
  host_groups: z.record(name, hostGroupSchema).nullish(),
  hosts: z.array(hostSchema).nullish(),
  services: z.array(serviceSchema).nullish(),
  dependencies: z.array(dependencySchema).nullish(),
  channels: z.record(name, receiverSchema).nullish(),
  routes: z.array(routeSchema).nullish(),
  time_periods: z.record(name, timePeriodSchema).nullish(),
  schedules: z.record(name, scheduleSchema).nullish(),
  contacts: z.record(name, contactSchema).nullish(),
  contact_groups: z.record(name, z.array(name).min(1, 'a contact group needs members')).nullish(),
  escalation_policies: z.record(name, escalationPolicySchema).nullish(),
  components: z.record(componentName, componentSchema).nullish(),
});
export type RawFile = z.infer<typeof fileSchema>;

import path from 'node:path';
import { channelKinds } from '../alerting/channels/index.ts';
import { forecastObject } from '../checks/forecast.ts';
import { checkKinds } from '../checks/index.ts';
import { parseDuration } from '../model/duration.ts';
import { resolveSchedule, type Schedule, type ScheduleConfig } from '../model/oncall.ts';
import type { TimePeriod } from '../model/time-period.ts';
import type {
  CheckSpec,
  Contact,
  Dependency,
  EscalationPolicy,
  EscalationStep,
  EscalationTarget,
  Host,
  HostGroup,
  Model,
  PhysicalLocation,
  Receiver,
  Route,
  Service,
  Settings,
  SourcePlace,
  StatusSitePublisher,
  StatusSiteSettings,
} from '../model/types.ts';
import { isValidTimeZone, parseLocalDateTime } from '../model/zoned-time.ts';
import { publisherKinds } from '../status/publish/index.ts';
import { compileModelTopology } from '../topology/from-model.ts';
import { type PlacedComponent, resolveComponents } from './components.ts';
import type { ConfigError } from './errors.ts';
import type { ParsedFile } from './load.ts';
import type { RawCheck, RawHost, RawService, RawTemplate } from './schema.ts';

export const DEFAULTS = {
  intervalMs: 60_000,
  retryIntervalMs: 15_000,
  maxAttempts: 3,
  timeoutMs: 30_000,
  concurrency: 256,
  maxOutputBytes: 64 * 1024,
  listen: '127.0.0.1:8470',
  flapLow: 5,
  flapHigh: 20,
  resultRetentionMs: 2 * 86_400_000,
  downsampledRetentionMs: 400 * 86_400_000,
  historyRetentionMs: 400 * 86_400_000,
  groupWaitMs: 5_000,
  groupIntervalMs: 60_000,
} as const;

/** The fields inheritance works on: what a template, a host and a service share. */
type Inheritable = RawTemplate & { display_name?: string };

interface Placed<T> {
  value: T;
  place: SourcePlace;
}

/**
 * Turns validated files into the immutable model: merges files, applies templates
 * (`use`, first listed wins, as in Nagios), expands services over hosts and host groups,
 * and checks every cross-reference. Returns every error found, not just the first.
 */
export function resolveModel(
  files: ParsedFile[],
  baseDir: string,
): { ok: true; model: Model } | { ok: false; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const fail = (place: SourcePlace, message: string) => errors.push({ ...place, message });

  // 1. Merge the sections of all files, refusing duplicates.
  const templates = new Map<string, Placed<RawTemplate>>();
  const groupDefs = new Map<string, Placed<{ description?: string; members?: string[] }>>();
  const userMacros: Record<string, string> = {};
  const macroPlaces = new Map<string, SourcePlace>();
  let settingsPlaced: Placed<NonNullable<ParsedFile['content']['settings']>> | undefined;
  const rawHosts: Placed<RawHost>[] = [];
  const rawServices: Placed<RawService & { inlineHost?: string }>[] = [];
  const rawDependencies: Placed<NonNullable<ParsedFile['content']['dependencies']>[number]>[] = [];
  const rawReceivers = new Map<string, Placed<{ kind: string } & Record<string, unknown>>>();
  const rawRoutes: Placed<NonNullable<ParsedFile['content']['routes']>[number]>[] = [];
  const timePeriods = new Map<string, TimePeriod>();
  const periodPlaces = new Map<string, SourcePlace>();
  const rawSchedules: { name: string; value: ScheduleConfig; placeOf: ParsedFile['placeOf'] }[] = [];
  const rawContacts = new Map<string, Placed<{ notify: string[] }>>();
  const rawContactGroups = new Map<string, Placed<string[]>>();
  const rawPolicies = new Map<
    string,
    Placed<NonNullable<ParsedFile['content']['escalation_policies']>[string]>
  >();
  const schedulePlaces = new Map<string, SourcePlace>();
  const rawComponents: PlacedComponent[] = [];

  for (const file of files) {
    const { content, placeOf } = file;
    if (content.settings) {
      const place = placeOf(['settings']);
      if (settingsPlaced) fail(place, `settings are already given at ${where(settingsPlaced.place)}`);
      else settingsPlaced = { value: content.settings, place };
    }
    for (const [key, value] of Object.entries(content.macros ?? {})) {
      const place = placeOf(['macros', key]);
      const earlier = macroPlaces.get(key);
      if (earlier) fail(place, `macro ${key} is already defined at ${where(earlier)}`);
      macroPlaces.set(key, place);
      userMacros[key] = value;
    }
    for (const [key, value] of Object.entries(content.templates ?? {})) {
      addUnique(templates, key, { value, place: placeOf(['templates', key]) }, 'template', fail);
    }
    for (const [key, value] of Object.entries(content.host_groups ?? {})) {
      addUnique(groupDefs, key, { value, place: placeOf(['host_groups', key]) }, 'host group', fail);
    }
    (content.hosts ?? []).forEach((host, i) => {
      rawHosts.push({ value: host, place: placeOf(['hosts', i]) });
      (host.services ?? []).forEach((service, j) => {
        rawServices.push({
          value: { ...service, inlineHost: host.name },
          place: placeOf(['hosts', i, 'services', j]),
        });
      });
    });
    (content.services ?? []).forEach((service, i) => {
      rawServices.push({ value: service, place: placeOf(['services', i]) });
    });
    (content.dependencies ?? []).forEach((dependency, i) => {
      rawDependencies.push({ value: dependency, place: placeOf(['dependencies', i]) });
    });
    for (const [key, value] of Object.entries(content.channels ?? {})) {
      addUnique(rawReceivers, key, { value, place: placeOf(['channels', key]) }, 'channel', fail);
    }
    (content.routes ?? []).forEach((route, i) => {
      rawRoutes.push({ value: route, place: placeOf(['routes', i]) });
    });
    for (const [key, value] of Object.entries(content.time_periods ?? {})) {
      const place = placeOf(['time_periods', key]);
      const earlier = periodPlaces.get(key);
      if (earlier) fail(place, `time period "${key}" is already defined at ${where(earlier)}`);
      else {
        periodPlaces.set(key, place);
        timePeriods.set(key, value);
      }
    }
    for (const [key, value] of Object.entries(content.contacts ?? {})) {
      addUnique(rawContacts, key, { value, place: placeOf(['contacts', key]) }, 'contact', fail);
    }
    for (const [key, value] of Object.entries(content.contact_groups ?? {})) {
      addUnique(
        rawContactGroups,
        key,
        { value, place: placeOf(['contact_groups', key]) },
        'contact group',
        fail,
      );
    }
    for (const [key, value] of Object.entries(content.escalation_policies ?? {})) {
      addUnique(
        rawPolicies,
        key,
        { value, place: placeOf(['escalation_policies', key]) },
        'escalation policy',
        fail,
      );
    }
    for (const [key, value] of Object.entries(content.components ?? {})) {
      rawComponents.push({ name: key, value, place: placeOf(['components', key]) });
    }
    for (const [key, value] of Object.entries(content.schedules ?? {})) {
      const place = placeOf(['schedules', key]);
      const earlier = schedulePlaces.get(key);
      if (earlier) fail(place, `schedule "${key}" is already defined at ${where(earlier)}`);
      else {
        schedulePlaces.set(key, place);
        rawSchedules.push({ name: key, value, placeOf });
      }
    }
  }

  // 2. Templates, flattened once each.
  const flatTemplates = new Map<string, Inheritable | null>();
  const flatten = (templateName: string, place: SourcePlace, chain: string[]): Inheritable | null => {
    const done = flatTemplates.get(templateName);
    if (done !== undefined) return done;
    const template = templates.get(templateName);
    if (!template) {
      fail(place, `template "${templateName}" is not defined`);
      return null;
    }
    if (chain.includes(templateName)) {
      fail(template.place, `template inheritance loops: ${[...chain, templateName].join(' -> ')}`);
      return null;
    }
    const result = inherit(template.value, template.place, [...chain, templateName]);
    flatTemplates.set(templateName, result);
    return result;
  };
  const inherit = <T extends Inheritable>(own: T, place: SourcePlace, chain: string[] = []): T => {
    const uses = own.use === undefined ? [] : Array.isArray(own.use) ? own.use : [own.use];
    let merged: T = { ...own };
    for (const parentName of uses) {
      const parent = flatten(parentName, place, chain);
      if (parent) merged = mergeInherited(merged, parent);
    }
    return merged;
  };
  for (const [templateName, template] of templates) flatten(templateName, template.place, []);

  // 3. Settings.
  const settings = resolveSettings(settingsPlaced, baseDir, fail);

  // 4. Hosts.
  const hosts = new Map<string, Host>();
  const hostPlaces = new Map<string, SourcePlace>();
  for (const { value: raw, place } of rawHosts) {
    const earlier = hostPlaces.get(raw.name);
    if (earlier) {
      fail(place, `host "${raw.name}" is already defined at ${where(earlier)}`);
      continue;
    }
    hostPlaces.set(raw.name, place);
    const host = inherit(raw, place);
    const location: PhysicalLocation = {};
    if (host.location) {
      const { rack_unit, ...rest } = host.location;
      Object.assign(location, rest, rack_unit === undefined ? {} : { rackUnit: rack_unit });
    }
    const check = host.check === undefined ? undefined : resolveCheck(host.check, host, place, fail);
    hosts.set(raw.name, {
      id: raw.name,
      name: raw.name,
      displayName: host.display_name ?? raw.name,
      address: host.address ?? raw.name,
      ...(check ? { check } : {}),
      parents: host.parents ?? [],
      parentsMinUp: host.parents_min_up ?? 1,
      groups: host.groups ?? [],
      tags: host.tags ?? [],
      location,
      vars: host.vars ?? {},
      source: place,
    });
  }
  for (const host of hosts.values()) {
    for (const parent of host.parents) {
      if (parent === host.name) fail(host.source, `host "${host.name}" names itself as a parent`);
      else if (!hosts.has(parent))
        fail(host.source, `host "${host.name}" has parent "${parent}", which is not defined`);
    }
  }
  for (const host of hosts.values()) {
    if (host.parentsMinUp > Math.max(1, host.parents.length)) {
      fail(
        host.source,
        `host "${host.name}" needs ${host.parentsMinUp} parents up but has ${host.parents.length}`,
      );
    }
  }

  // 5. Host groups: declared members plus hosts that name the group.
  const hostGroups = new Map<string, HostGroup>();
  for (const [groupName, { value, place }] of groupDefs) {
    const members = new Set<string>();
    for (const member of value.members ?? []) {
      if (hosts.has(member)) members.add(member);
      else fail(place, `host group "${groupName}" has member "${member}", which is not a defined host`);
    }
    hostGroups.set(groupName, {
      name: groupName,
      description: value.description ?? '',
      members: [...members],
      source: place,
    });
  }
  for (const host of hosts.values()) {
    for (const groupName of host.groups) {
      const group = hostGroups.get(groupName);
      if (!group)
        fail(
          host.source,
          `host "${host.name}" is in host group "${groupName}", which is not defined under host_groups`,
        );
      else if (!group.members.includes(host.name)) group.members.push(host.name);
    }
  }

  // 6. Services, expanded over their hosts and host groups.
  const services = new Map<string, Service>();
  for (const { value: raw, place } of rawServices) {
    const service = inherit(raw, place);
    const targets = new Set<string>();
    if (raw.inlineHost) targets.add(raw.inlineHost);
    for (const hostName of [...(raw.host ? [raw.host] : []), ...(raw.hosts ?? [])]) {
      if (hosts.has(hostName)) targets.add(hostName);
      else fail(place, `service "${raw.name}" is on host "${hostName}", which is not defined`);
    }
    for (const groupName of raw.host_groups ?? []) {
      const group = hostGroups.get(groupName);
      if (!group)
        fail(place, `service "${raw.name}" is applied to host group "${groupName}", which is not defined`);
      else for (const member of group.members) targets.add(member);
    }
    if (!raw.inlineHost && !raw.host && !raw.hosts && !raw.host_groups) {
      fail(place, `service "${raw.name}" names no host: give host, hosts or host_groups`);
      continue;
    }
    if (service.check === undefined) {
      fail(place, `service "${raw.name}" has no check`);
      continue;
    }
    const check = resolveCheck(service.check, service, place, fail);
    if (!check) continue;
    for (const hostName of targets) {
      const id = `${hostName}/${raw.name}`;
      const earlier = services.get(id);
      if (earlier) {
        fail(
          place,
          `service "${raw.name}" on host "${hostName}" is already defined at ${where(earlier.source)}`,
        );
        continue;
      }
      if (raw.attached_to && !hosts.has(raw.attached_to)) {
        fail(place, `service "${raw.name}" is attached to host "${raw.attached_to}", which is not defined`);
      }
      services.set(id, {
        id,
        host: hostName,
        name: raw.name,
        displayName: service.display_name ?? raw.name,
        check,
        ...(raw.attached_to ? { attachedTo: raw.attached_to } : {}),
        tags: service.tags ?? [],
        vars: service.vars ?? {},
        source: place,
      });
    }
  }

  // A forecast reads another service's stored perfdata: that service must exist.
  for (const object of [...hosts.values(), ...services.values()]) {
    const check = object.check;
    if (check?.kind !== 'forecast' || typeof check.params.object !== 'string') continue;
    const hostName = 'host' in object ? object.host : object.name;
    const read = forecastObject(check.params.object, hostName);
    if (!services.has(read))
      fail(
        object.source,
        `the forecast check of "${object.id}" reads "${read}", which is not a defined service`,
      );
  }

  // 7. Dependencies, then the whole dependency graph: a loop would leave no root cause.
  const dependencies: Dependency[] = [];
  for (const { value: raw, place } of rawDependencies) {
    for (const ref of [...raw.objects, ...raw.on]) {
      if (!hosts.has(ref) && !services.has(ref))
        fail(place, `dependency names "${ref}", which is not a defined host or host/service`);
    }
    if (raw.min_up !== undefined && raw.min_up > raw.on.length) {
      fail(place, `dependency needs ${raw.min_up} of ${raw.on.length} objects up`);
    }
    const period = raw.period === undefined ? undefined : timePeriods.get(raw.period);
    if (raw.period !== undefined && !period)
      fail(place, `dependency names time period "${raw.period}", which is not defined under time_periods`);
    for (const dependent of raw.objects) {
      dependencies.push({
        dependent,
        on: raw.on,
        minUp: raw.min_up ?? raw.on.length,
        failingStates: raw.failing_states ?? [],
        disableChecks: raw.disable_checks ?? false,
        ...(period ? { period } : {}),
        source: place,
      });
    }
  }
  // 8. Notification channels and routes.
  const receivers = new Map<string, Receiver>();
  for (const [receiverName, { value, place }] of rawReceivers) {
    const { kind, ...channelSettings } = value;
    const channel = channelKinds.get(kind);
    if (!channel) {
      fail(
        place,
        `channel "${receiverName}": kind "${kind}" is unknown (known kinds: ${[...channelKinds.keys()].join(', ')})`,
      );
      continue;
    }
    const parsed = channel.settings.safeParse(channelSettings);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const at = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
        fail(place, `channel "${receiverName}" (${kind}): ${at}${issue.message}`);
      }
      continue;
    }
    receivers.set(receiverName, { name: receiverName, kind, settings: parsed.data, source: place });
  }
  const routes: Route[] = [];
  for (const { value: raw, place } of rawRoutes) {
    const periodMatch = (key: 'during' | 'outside', periodName: string | undefined) => {
      if (periodName === undefined) return {};
      const period = timePeriods.get(periodName);
      if (!period)
        fail(
          place,
          `route "${raw.name}" matches ${key} time period "${periodName}", which is not defined under time_periods`,
        );
      return period ? { [key]: period } : {};
    };
    for (const receiverName of [...(raw.page ?? []), ...(raw.chat ?? []), ...(raw.email ?? [])]) {
      if (!rawReceivers.has(receiverName))
        fail(
          place,
          `route "${raw.name}" sends to channel "${receiverName}", which is not defined under channels`,
        );
    }
    for (const groupName of raw.match?.host_groups ?? []) {
      if (!hostGroups.has(groupName))
        fail(place, `route "${raw.name}" matches host group "${groupName}", which is not defined`);
    }
    routes.push({
      name: raw.name,
      match: {
        tags: raw.match?.tags ?? [],
        affectsTags: raw.match?.affects_tags ?? [],
        hostGroups: raw.match?.host_groups ?? [],
        states: raw.match?.states ?? [],
        objectType: raw.match?.object_type ?? 'any',
        ...periodMatch('during', raw.match?.during),
        ...periodMatch('outside', raw.match?.outside),
      },
      page: raw.page ?? [],
      chat: raw.chat ?? [],
      email: raw.email ?? [],
      resolved: raw.resolved ?? true,
      continue: raw.continue ?? false,
      ...(raw.escalate ? { escalate: raw.escalate } : {}),
      groupWaitMs: durationOr(raw.group_wait, DEFAULTS.groupWaitMs),
      groupIntervalMs: durationOr(raw.group_interval, DEFAULTS.groupIntervalMs),
      source: place,
    });
    if (raw.escalate && !rawPolicies.has(raw.escalate)) {
      fail(
        place,
        `route "${raw.name}" escalates with policy "${raw.escalate}", which is not defined under escalation_policies`,
      );
    }
  }

  // 9. On-call schedules; their layers may name a time period from any file.
  const schedules = new Map<string, Schedule>();
  for (const { name: scheduleName, value, placeOf } of rawSchedules) {
    const resolved = resolveSchedule(scheduleName, value, timePeriods);
    if (resolved.ok) schedules.set(scheduleName, resolved.schedule);
    else {
      for (const error of resolved.errors) {
        const at = ['schedules', scheduleName, ...error.path];
        fail(placeOf(at), `${at.join('.')}: ${error.message}`);
      }
    }
  }

  // 10. Contacts, contact groups and escalation policies.
  const contacts = new Map<string, Contact>();
  for (const [contactName, { value, place }] of rawContacts) {
    for (const receiverName of value.notify) {
      if (!rawReceivers.has(receiverName))
        fail(
          place,
          `contact "${contactName}" is reached on channel "${receiverName}", which is not defined under channels`,
        );
    }
    contacts.set(contactName, { name: contactName, receivers: value.notify, source: place });
  }
  const contactGroups = new Map<string, string[]>();
  for (const [groupName, { value, place }] of rawContactGroups) {
    for (const member of value) {
      if (!rawContacts.has(member))
        fail(place, `contact group "${groupName}" has member "${member}", which is not a defined contact`);
    }
    contactGroups.set(groupName, value);
  }
  for (const [scheduleName, schedule] of schedules) {
    const people = new Set([
      ...schedule.layers.flatMap((layer) => layer.participants),
      ...schedule.overrides.map((o) => o.person),
    ]);
    for (const person of people) {
      if (!rawContacts.has(person) && rawContacts.size > 0) {
        fail(
          schedulePlaces.get(scheduleName) as SourcePlace,
          `schedule "${scheduleName}" names "${person}", who is not a defined contact`,
        );
      }
    }
  }
  const escalationPolicies = new Map<string, EscalationPolicy>();
  for (const [policyName, { value, place }] of rawPolicies) {
    const steps: EscalationStep[] = value.steps.map((step, i) => ({
      notify: step.notify.map((text) => {
        const target = escalationTargetOf(text, contacts, contactGroups, schedules);
        if (typeof target === 'string')
          fail(place, `escalation policy "${policyName}" step ${i + 1}: ${target}`);
        return typeof target === 'string' ? { kind: 'contact' as const, name: text } : target;
      }),
      waitMs: durationOr(step.wait, 10 * 60_000),
    }));
    escalationPolicies.set(policyName, { name: policyName, steps, repeat: value.repeat ?? 0, source: place });
  }

  // 11. Public components (availability, status site).
  const components = resolveComponents(rawComponents, { hosts, services, hostGroups }, fail);
  // 12. The status site: its zone, its uptime start, the channel subscriber mail goes through.
  if (settingsPlaced?.value.status_site) {
    const statusSite = resolveStatusSite(settingsPlaced.value.status_site, receivers, (message) =>
      fail(settingsPlaced.place, `status_site: ${message}`),
    );
    if (statusSite) settings.statusSite = statusSite;
  } else settings.statusSite = resolveStatusSite({}, receivers, () => {});
  // 12b. Where the generated status site is kept and published.
  if (settings.statusSite && settingsPlaced?.value.status_site) {
    const place = settingsPlaced.place;
    Object.assign(
      settings.statusSite,
      resolveSitePublishing(settingsPlaced.value.status_site, baseDir, (message) =>
        fail(place, `status_site: ${message}`),
      ),
    );
  }

  if (errors.length > 0) return { ok: false, errors: dedupe(errors) };
  const model: Model = {
    settings,
    userMacros,
    hosts,
    services,
    hostGroups,
    dependencies,
    receivers,
    routes,
    timePeriods,
    schedules,
    contacts,
    contactGroups,
    escalationPolicies,
    components,
  };
  const topology = compileModelTopology(model);
  if (!topology.ok) {
    for (const error of topology.errors) {
      const source = hosts.get(error.objectId)?.source ??
        services.get(error.objectId)?.source ?? { file: baseDir, line: 0 };
      fail(source, error.message);
    }
    return { ok: false, errors: dedupe(errors) };
  }
  return { ok: true, model };
}

function resolveCheck(
  raw: RawCheck,
  owner: Inheritable,
  place: SourcePlace,
  fail: (place: SourcePlace, message: string) => void,
): CheckSpec | undefined {
  const { kind: givenKind, ...params } = typeof raw === 'string' ? { kind: 'plugin', command: raw } : raw;
  const kind = givenKind ?? ('command' in params ? 'plugin' : undefined);
  if (!kind) {
    fail(place, 'check needs a "kind" (or a plugin "command")');
    return undefined;
  }
  const definition = checkKinds.get(kind);
  if (!definition) {
    fail(place, `check kind "${kind}" is unknown (known kinds: ${[...checkKinds.keys()].join(', ')})`);
    return undefined;
  }
  const parsed = definition.params.safeParse(params);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const at = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
      fail(place, `check (${kind}): ${at}${issue.message}`);
    }
    return undefined;
  }
  const intervalMs = durationOr(owner.interval, DEFAULTS.intervalMs);
  const timeoutMs = durationOr(owner.timeout, DEFAULTS.timeoutMs);
  return {
    kind,
    params: parsed.data as Record<string, unknown>,
    intervalMs,
    retryIntervalMs: durationOr(owner.retry_interval, Math.min(DEFAULTS.retryIntervalMs, intervalMs)),
    maxAttempts: owner.max_attempts ?? DEFAULTS.maxAttempts,
    timeoutMs,
  };
}

function resolveSettings(
  placed: Placed<NonNullable<ParsedFile['content']['settings']>> | undefined,
  baseDir: string,
  fail: (place: SourcePlace, message: string) => void,
): Settings {
  const raw = placed?.value ?? {};
  const store = raw.store ?? {};
  const kind = store.kind ?? (store.url ? 'postgres' : 'sqlite');
  if (kind === 'postgres' && !store.url && placed) fail(placed.place, 'store: kind postgres needs a "url"');
  const flap = raw.flap_thresholds;
  return {
    publicUrl: raw.public_url ?? '',
    concurrency: raw.concurrency ?? DEFAULTS.concurrency,
    maxOutputBytes: raw.max_output ?? DEFAULTS.maxOutputBytes,
    listen: raw.listen ?? DEFAULTS.listen,
    flapLowThreshold: flap?.low ?? DEFAULTS.flapLow,
    flapHighThreshold: flap?.high ?? DEFAULTS.flapHigh,
    ...(raw.chatbot
      ? {
          chatbot: raw.chatbot.secret_file
            ? { secretFile: path.resolve(baseDir, raw.chatbot.secret_file) }
            : { secret: raw.chatbot.secret as string },
        }
      : {}),
    api: {
      secureCookies: raw.api?.secure_cookies ?? false,
      metricsRequireToken: raw.api?.metrics_require_token ?? false,
      ...(raw.api?.trusted_proxies !== undefined ? { trustedProxies: raw.api.trusted_proxies } : {}),
      // Beside the database: a directory the daemon's user can write and others need not read.
      cliTokenFile: raw.api?.cli_token_file
        ? path.resolve(baseDir, raw.api.cli_token_file)
        : path.join(path.dirname(path.resolve(baseDir, store.path ?? 'vigil.db')), 'vigil-cli.token'),
    },
    store: {
      kind,
      path: path.resolve(baseDir, store.path ?? 'vigil.db'),
      url: store.url ?? '',
      resultRetentionMs: durationOr(store.retention?.results, DEFAULTS.resultRetentionMs),
      downsampledRetentionMs: durationOr(store.retention?.downsampled, DEFAULTS.downsampledRetentionMs),
      historyRetentionMs: durationOr(store.retention?.history, DEFAULTS.historyRetentionMs),
    },
  };
}

export const STATUS_SITE_DEFAULTS = {
  title: 'Status',
  timeZone: 'UTC',
  /** Vigil's promise: customers hear of an outage within a minute. */
  publishDelayMs: 60_000,
  resolveAfterMs: 10 * 60_000,
  firstPostPromiseMs: 5 * 60_000,
  confirmWithinMs: 48 * 3_600_000,
} as const;

type RawStatusSite = NonNullable<NonNullable<ParsedFile['content']['settings']>['status_site']>;

/** The `status_site` section with its defaults; undefined (after `fail`) when it is unusable. */
function resolveStatusSite(
  raw: RawStatusSite,
  receivers: Map<string, Receiver>,
  fail: (message: string) => void,
): StatusSiteSettings | undefined {
  const timeZone = raw.time_zone ?? STATUS_SITE_DEFAULTS.timeZone;
  let ok = true;
  if (!isValidTimeZone(timeZone)) {
    fail(`time_zone "${timeZone}" is not a known IANA zone (e.g. Europe/Berlin, UTC)`);
    ok = false;
  }
  let uptimeSince = 0;
  if (raw.uptime_since !== undefined) {
    const at = ok ? parseLocalDateTime(raw.uptime_since, timeZone) : undefined;
    if (at === undefined) {
      fail(`uptime_since "${String(raw.uptime_since)}" is not a date (2026-03-06) or time`);
      ok = false;
    } else uptimeSince = at;
  }
  const via = raw.subscribers?.email_via;
  if (via !== undefined) {
    const receiver = receivers.get(via);
    if (!receiver || receiver.kind !== 'email') {
      fail(`subscribers.email_via "${via}" is not a receiver of kind email`);
      ok = false;
    }
  }
  if (!ok) return undefined;
  return {
    title: raw.title ?? STATUS_SITE_DEFAULTS.title,
    siteUrl: raw.site_url ?? '',
    timeZone,
    publishDelayMs: durationOr(raw.publish_delay, STATUS_SITE_DEFAULTS.publishDelayMs),
    resolveAfterMs: durationOr(raw.resolve_after, STATUS_SITE_DEFAULTS.resolveAfterMs),
    firstPostPromiseMs: durationOr(raw.first_post_promise, STATUS_SITE_DEFAULTS.firstPostPromiseMs),
    uptimeSince,
    subscribers: {
      ...(via !== undefined ? { emailVia: via } : {}),
      ...(raw.subscribers?.from !== undefined ? { from: raw.subscribers.from } : {}),
      confirmWithinMs: durationOr(raw.subscribers?.confirm_within, STATUS_SITE_DEFAULTS.confirmWithinMs),
      linkBase: raw.subscribers?.link_base ?? '',
      publicWebhooks: raw.subscribers?.public_webhooks ?? false,
      allowPrivateWebhooks: raw.subscribers?.allow_private_webhooks ?? false,
    },
  };
}

/** `status_site.output` and `status_site.publishers`, each publisher checked by its kind. */
function resolveSitePublishing(
  raw: RawStatusSite,
  baseDir: string,
  fail: (message: string) => void,
): Pick<StatusSiteSettings, 'outputDir' | 'publishers'> {
  const publishers: StatusSitePublisher[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of (raw.publishers ?? []).entries()) {
    const { name: publisherName, kind, ...rest } = entry;
    const at = `publishers[${index}] "${publisherName}"`;
    if (seen.has(publisherName)) fail(`${at}: the name is used twice`);
    seen.add(publisherName);
    const publisher = publisherKinds.get(kind);
    if (!publisher) {
      fail(`${at}: kind "${kind}" is unknown (known kinds: ${[...publisherKinds.keys()].join(', ')})`);
      continue;
    }
    const parsed = publisher.settings.safeParse(rest);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        fail(
          `${at} (${kind}): ${issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`,
        );
      continue;
    }
    // Paths in publisher settings are relative to the configuration, like every other path.
    const settings = { ...(parsed.data as Record<string, unknown>) };
    for (const key of ['path', 'secret_access_key_file', 'password_file'])
      if (typeof settings[key] === 'string') settings[key] = path.resolve(baseDir, settings[key] as string);
    publishers.push({ name: publisherName, kind, settings });
  }
  return {
    ...(raw.output !== undefined ? { outputDir: path.resolve(baseDir, raw.output) } : {}),
    publishers,
  };
}

/** Own values win over inherited ones; tags add up; vars and location merge key by key. */
function mergeInherited<T extends Inheritable>(own: T, parent: Inheritable): T {
  const merged: Record<string, unknown> = { ...parent, ...own };
  delete merged.use;
  if (own.use !== undefined) merged.use = own.use;
  if (parent.tags || own.tags) merged.tags = [...new Set([...(parent.tags ?? []), ...(own.tags ?? [])])];
  if (parent.vars || own.vars) merged.vars = { ...parent.vars, ...own.vars };
  if (parent.location || own.location) merged.location = { ...parent.location, ...own.location };
  return merged as T;
}

function addUnique<T>(
  map: Map<string, Placed<T>>,
  key: string,
  entry: Placed<T>,
  what: string,
  fail: (place: SourcePlace, message: string) => void,
): void {
  const earlier = map.get(key);
  if (earlier) fail(entry.place, `${what} "${key}" is already defined at ${where(earlier.place)}`);
  else map.set(key, entry);
}

/** Reads `contact:alice`, `group:ops`, `schedule:primary`, or a bare name found in that order. */
function escalationTargetOf(
  text: string,
  contacts: Map<string, Contact>,
  groups: Map<string, string[]>,
  schedules: Map<string, Schedule>,
): EscalationTarget | string {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? undefined : text.slice(0, colon);
  const targetName = colon < 0 ? text : text.slice(colon + 1);
  const known = {
    contact: contacts.has(targetName),
    group: groups.has(targetName),
    schedule: schedules.has(targetName),
  };
  if (kind === 'contact' || kind === 'group' || kind === 'schedule') {
    return known[kind] ? { kind, name: targetName } : `${kind} "${targetName}" is not defined`;
  }
  const found = (['contact', 'group', 'schedule'] as const).filter((k) => known[k]);
  if (found.length === 0) return `"${text}" is not a defined contact, contact group or schedule`;
  return { kind: found[0] as EscalationTarget['kind'], name: targetName };
}

function durationOr(value: string | number | undefined, fallback: number): number {
  return value === undefined ? fallback : (parseDuration(value) ?? fallback);
}

function where(place: SourcePlace): string {
  return `${place.file}:${place.line}`;
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.file}:${e.line}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

import type { Schedule } from './oncall.ts';
import type { TimePeriod } from './time-period.ts';

// The object graph every later stage reads. Built once per config load by
// src/config, never mutated afterwards: a reload builds a new one.

/** Service states, numbered as the Nagios plugin API numbers exit codes. */
export const ServiceState = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type ServiceState = (typeof ServiceState)[keyof typeof ServiceState];

/** Host states, numbered as Nagios Core numbers them. */
export const HostState = { UP: 0, DOWN: 1, UNREACHABLE: 2 } as const;
export type HostState = (typeof HostState)[keyof typeof HostState];

export const SERVICE_STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
export const HOST_STATE_NAMES = ['UP', 'DOWN', 'UNREACHABLE'] as const;

export type StateType = 'SOFT' | 'HARD';

/** Where a config value came from, for `file:line` errors after loading. */
export interface SourcePlace {
  file: string;
  line: number;
}

export interface PhysicalLocation {
  site?: string;
  room?: string;
  cabinet?: string;
  rackUnit?: string;
  /** Out-of-band management address (IPMI, iDRAC, iLO, serial console). */
  oob?: string;
  notes?: string;
}

/** How to run one check and how often. Times are in milliseconds. */
export interface CheckSpec {
  /** Registered check kind: "plugin", "dummy", "tcp", "http", ... */
  kind: string;
  /** Kind-specific settings, validated by the kind's own schema. */
  params: Record<string, unknown>;
  intervalMs: number;
  retryIntervalMs: number;
  maxAttempts: number;
  timeoutMs: number;
}

export interface Host {
  /** Object id: the host name. */
  id: string;
  name: string;
  displayName: string;
  address: string;
  /** Without a check a host is assumed UP, as Nagios does for hosts with no check_command. */
  check?: CheckSpec;
  parents: string[];
  /** How many parents must be UP for the host to be reachable (1: Nagios's "any parent"). */
  parentsMinUp: number;
  groups: string[];
  tags: string[];
  location: PhysicalLocation;
  /** Free-form variables usable as `$_HOSTNAME$` style custom macros. */
  vars: Record<string, string>;
  source: SourcePlace;
}

export interface Service {
  /** Object id: `host/name`. */
  id: string;
  host: string;
  name: string;
  displayName: string;
  check: CheckSpec;
  /** For a switch-port check: the host plugged into the port, whose own failure explains the port's. */
  attachedTo?: string;
  tags: string[];
  vars: Record<string, string>;
  source: SourcePlace;
}

/** States a dependency can count as failing; hosts and services share one list. */
export type FailingStateName = 'WARNING' | 'CRITICAL' | 'UNKNOWN' | 'DOWN' | 'UNREACHABLE';

/**
 * `dependent` needs at least `minUp` of `on` to be working. With `minUp` equal to the
 * number of members every one is needed; with 1 it is a redundancy group.
 */
export interface Dependency {
  dependent: string;
  on: string[];
  minUp: number;
  failingStates: FailingStateName[];
  /** Skip the dependent's checks while the dependency is failing (its state is explained anyway). */
  disableChecks: boolean;
  /** Only while inside this time period does the dependency apply (none: always). */
  period?: TimePeriod;
  source: SourcePlace;
}

export interface HostGroup {
  name: string;
  description: string;
  /** Resolved member host names (explicit members plus hosts naming the group). */
  members: string[];
  source: SourcePlace;
}

export interface StoreSettings {
  kind: 'sqlite' | 'postgres';
  /** SQLite file path, relative paths resolved against the config location. */
  path: string;
  /** PostgreSQL connection string. */
  url: string;
  /** Raw check results are kept this long, then downsampled. */
  resultRetentionMs: number;
  /** Downsampled (hourly) perfdata is kept this long. */
  downsampledRetentionMs: number;
  /** State-change history is kept this long. */
  historyRetentionMs: number;
}

export interface Settings {
  /** Public address of the dashboard, for links in notifications (empty: no links). */
  publicUrl: string;
  /** Most checks running at once. */
  concurrency: number;
  /** Most bytes of plugin output kept per check. */
  maxOutputBytes: number;
  store: StoreSettings;
  /** Address of the HTTP API (`host:port`), or empty to disable it. */
  listen: string;
  /** Flap detection thresholds in percent state change (Nagios defaults 5 / 20 for services). */
  flapLowThreshold: number;
  flapHighThreshold: number;
  /** The inbound chat bot; absent: its endpoints answer 404. */
  chatbot?: ChatbotSettings;
  /** Sign-in and tokens of the HTTP API; absent: the defaults below. */
  api?: ApiSettings;
  /** The public status site and its incidents; absent (hand-built models): see statusSiteOf. */
  statusSite?: StatusSiteSettings;
}

/** The public status site: what it is called, where it lives, and how incidents reach it. */
export interface StatusSiteSettings {
  title: string;
  /** Absolute URL where the site is served ('' when not configured). */
  siteUrl: string;
  /** IANA zone the site's days are counted in. */
  timeZone: string;
  /** A draft incident is published this long after it was opened, unless an operator holds it. */
  publishDelayMs: number;
  /** After every cause recovered, an incident in "monitoring" resolves when it stays quiet this long. */
  resolveAfterMs: number;
  /** The promised time from first hard failure to first public post, for the report. */
  firstPostPromiseMs: number;
  /** Start of the uptime page's period (ms since epoch); 0: since the first recorded interval. */
  uptimeSince: number;
  subscribers: {
    /** Name of an `email` receiver whose server subscriber mail is sent through; absent: no e-mail subscriptions. */
    emailVia?: string;
    /** Sender of subscriber mail; default: the receiver's `from`. */
    from?: string;
    confirmWithinMs: number;
    /** Base of the confirm and unsubscribe links ('' : the settings' public URL). */
    linkBase: string;
    /** Anyone may subscribe a webhook; absent or false: only an operator may. */
    publicWebhooks?: boolean;
    /** Webhooks may reach loopback, private and link-local addresses; absent or false: public ones only. */
    allowPrivateWebhooks?: boolean;
  };
  /** Absolute directory the generated site lives in; absent: status-site/ beside the SQLite file. */
  outputDir?: string;
  /** Where each generation is copied or uploaded; absent or empty: only outputDir. */
  publishers?: StatusSitePublisher[];
}

/** One `status_site.publishers` entry; `settings` validated by its kind (src/status/publish/). */
export interface StatusSitePublisher {
  name: string;
  kind: string;
  settings: unknown;
}

export interface ApiSettings {
  /** Mark the session cookie Secure even on plain HTTP (TLS ends at a reverse proxy). */
  secureCookies: boolean;
  /** /metrics needs a viewer's token instead of being public. */
  metricsRequireToken: boolean;
  /** Absolute path of the file the daemon writes the local CLI's token to. */
  cliTokenFile: string;
  /**
   * Reverse proxies whose X-Forwarded-For/-Proto headers give the client's address and
   * scheme: addresses and CIDR ranges, or the number of proxies in front. Absent: none.
   */
  trustedProxies?: readonly string[] | number;
}

/** One of the two is set; a `secretFile` is read at each request, so a rotated secret needs no reload. */
export interface ChatbotSettings {
  secret?: string;
  /** Absolute path. */
  secretFile?: string;
}

export interface Model {
  settings: Settings;
  /** `$USERn$` macros. */
  userMacros: Record<string, string>;
  hosts: Map<string, Host>;
  services: Map<string, Service>;
  hostGroups: Map<string, HostGroup>;
  dependencies: Dependency[];
  /** Configured notification channels (receivers), by name. */
  receivers: Map<string, Receiver>;
  /** Notification routes, in order: the first that matches decides, unless it says `continue`. */
  routes: Route[];
  timePeriods: Map<string, TimePeriod>;
  /** On-call schedules, by name. */
  schedules: Map<string, Schedule>;
  contacts: Map<string, Contact>;
  /** Contact group name to member contact names. */
  contactGroups: Map<string, string[]>;
  escalationPolicies: Map<string, EscalationPolicy>;
  /** Public components customers know ("Basecamp", "API"), by name; see docs/availability.md. */
  components: Map<string, Component>;
}

/**
 * How much failure means which status. Shares are of a component's members: failing ones
 * (DOWN, UNREACHABLE, CRITICAL) over all of them.
 */
export interface ComponentRule {
  /** A failing share above 0 and at most this (percent) is only "degraded". */
  degradedUpToPercent: number;
  /** A failing share at or above this (percent) is a major outage; between the two, a partial outage. */
  majorFromPercent: number;
  /** A WARNING member (and nothing failing) makes the component degraded. */
  warningDegrades: boolean;
}

/** A public name customers know, mapped to the hosts and services behind it. */
export interface Component {
  name: string;
  description: string;
  /** The component this one is part of; a component without a parent is a product. */
  parent?: string;
  /** Direct sub-components, by name. */
  children: string[];
  /** Hosts and services (object ids) matched by this component and all its sub-components. */
  members: string[];
  rule: ComponentRule;
  /** How much a partial outage counts as downtime (0..1). */
  partialWeight: number;
  /** How much degraded performance counts as downtime (0..1). */
  degradedWeight: number;
  /** Availability target in percent (99.99), for error budgets. */
  targetPercent?: number;
  source: SourcePlace;
}

/** A configured channel instance: where notifications can go ("ops-chat", "oncall-pager"). */
export interface Receiver {
  name: string;
  kind: string;
  /** Validated by the channel kind's schema. */
  settings: unknown;
  source: SourcePlace;
}

/** Which problems a route takes; every condition given must hold. */
export interface RouteMatch {
  /** The root cause (a host, or a service or its host) has one of these tags. */
  tags: string[];
  /** The root cause or anything it explains has one of these tags (a switch behind customer-facing hosts). */
  affectsTags: string[];
  hostGroups: string[];
  /** State names: DOWN, UNREACHABLE, CRITICAL, WARNING, UNKNOWN. */
  states: string[];
  /** Host problems only, or service problems only. */
  objectType: 'any' | 'host' | 'service';
  /** Only when the problem happens inside this time period (business hours). */
  during?: TimePeriod;
  /** Only when it happens outside this time period (nights and weekends). */
  outside?: TimePeriod;
}

export interface Route {
  name: string;
  match: RouteMatch;
  page: string[];
  chat: string[];
  email: string[];
  /** Send recoveries too. */
  resolved: boolean;
  /** Go on to the next routes after this one matched. */
  continue: boolean;
  /** Escalation policy that pages people until someone acknowledges. */
  escalate?: string;
  /** Chat and email notifications of this route wait this long to be sent together (0: at once). */
  groupWaitMs: number;
  /** After a grouped message, the next one for the same receiver waits at least this long. */
  groupIntervalMs: number;
  source: SourcePlace;
}

/** A person, and the receivers (channels) that reach them. */
export interface Contact {
  name: string;
  receivers: string[];
  source: SourcePlace;
}

/** Who an escalation step notifies: a contact, every member of a contact group, or whoever is on call. */
export type EscalationTarget = { kind: 'contact' | 'group' | 'schedule'; name: string };

export interface EscalationStep {
  notify: EscalationTarget[];
  /** How long to wait for an acknowledgement before the next step. */
  waitMs: number;
}

export interface EscalationPolicy {
  name: string;
  steps: EscalationStep[];
  /** How many more times the whole list of steps runs after the first. */
  repeat: number;
  source: SourcePlace;
}

/** One parsed performance data item, per the Monitoring Plugins guidelines. */
export interface PerfDatum {
  label: string;
  value: number;
  unit: string;
  warn?: string;
  crit?: string;
  min?: number;
  max?: number;
}

/** What a check run produced, before the state machine interprets it. */
export interface CheckResult {
  objectId: string;
  /** Plugin exit code mapped to 0..3 (anything else is already 3, UNKNOWN). */
  exitCode: ServiceState;
  /** First line of output, without perfdata. */
  output: string;
  /** Remaining lines, without perfdata. */
  longOutput: string;
  perfdata: PerfDatum[];
  /** When the scheduler meant it to start (ms since epoch). */
  plannedAt: number;
  startedAt: number;
  durationMs: number;
}

/** Current state of a host or service, as kept by the state machine and the store. */
export interface ObjectState {
  objectId: string;
  /** ServiceState for services, HostState for hosts. */
  state: number;
  stateType: StateType;
  attempt: number;
  lastHardState: number;
  lastStateChange: number;
  lastHardStateChange: number;
  lastCheck: number;
  output: string;
  longOutput: string;
  /** The last up-to-21 states, oldest first, for flap detection. */
  recentStates: number[];
  percentStateChange: number;
  flapping: boolean;
}

export type StateEventKind = 'soft-change' | 'hard-change' | 'recovery' | 'flapping-start' | 'flapping-stop';

/** Something that happened to an object's state; stored as history and fed to alerting. */
export interface StateEvent {
  objectId: string;
  kind: StateEventKind;
  at: number;
  state: number;
  previousState: number;
  stateType: StateType;
  attempt: number;
  output: string;
}

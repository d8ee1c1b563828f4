import { formatDuration, parseDuration } from '../model/duration.ts';
import { type Schedule, upcoming } from '../model/oncall.ts';
import type { StateRow } from '../model/problems.ts';
import type { Model, ObjectState } from '../model/types.ts';
import { formatInZone } from '../model/zoned-time.ts';
import type { NewAcknowledgement, NewDowntime } from '../store/suppressions.ts';
import type { ProblemGroup } from '../topology/problem-groups.ts';
import { acknowledgementFromRequest, downtimeFromRequest } from './operator-requests.ts';

// The chat bot's language: one line from a chat room ("ack web-1/http on it") becomes a
// command, and every answer is plain text a chat can show as it is. Acknowledgements and
// downtime go through operator-requests.ts, so the chat, the CLI and the API accept and
// refuse the same things. The clock and the store are passed in.

export type ChatCommand =
  | { kind: 'help' }
  | { kind: 'ack'; object: string; comment: string }
  | { kind: 'unack'; object: string }
  | { kind: 'downtime'; target: string; durationMs: number; duration: string; comment: string }
  | { kind: 'status' }
  | { kind: 'locate'; host: string }
  | { kind: 'oncall'; schedule?: string }
  /** Not a command: the text says what is wrong and how to write it. */
  | { kind: 'malformed'; text: string };

export const CHAT_USAGE = {
  ack: 'ack <host|host/service> [comment]',
  unack: 'unack <host|host/service>',
  downtime: 'downtime <host|host/service> <duration> [comment]   (e.g. downtime web-1 2h kernel update)',
  status: 'status',
  locate: 'locate <host>',
  oncall: 'oncall [schedule]',
  help: 'help',
} as const;

const HELP_LINES: [string, string][] = [
  [CHAT_USAGE.ack, 'acknowledge a problem: no more notifications or escalation for it'],
  [CHAT_USAGE.unack, 'remove the acknowledgement'],
  [CHAT_USAGE.downtime, 'hold back notifications for a while'],
  [CHAT_USAGE.status, 'current problems by root cause'],
  [CHAT_USAGE.locate, 'room, cabinet, rack unit and out-of-band address'],
  [CHAT_USAGE.oncall, 'who is on call now and next'],
  [CHAT_USAGE.help, 'this list'],
];

export const CHAT_HELP = `vigil commands:\n${HELP_LINES.map(([usage, what]) => `  ${usage} — ${what}`).join('\n')}`;

const VERBS: Record<string, keyof typeof CHAT_USAGE> = {
  ack: 'ack',
  acknowledge: 'ack',
  unack: 'unack',
  unacknowledge: 'unack',
  downtime: 'downtime',
  status: 'status',
  problems: 'status',
  locate: 'locate',
  where: 'locate',
  oncall: 'oncall',
  'on-call': 'oncall',
  help: 'help',
  '?': 'help',
};

/** A duration as people type it in chat: with a unit (a bare "2" would be two seconds). */
const CHAT_DURATION = /^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/;

/** Reads one line of chat. Never throws: anything that is not a command is `malformed`, with the usage. */
export function parseChatCommand(line: string): ChatCommand {
  const text = line.trim();
  if (text === '') return { kind: 'help' };
  const [first = '', ...words] = text.split(/\s+/);
  // Bots often prefix commands ("!ack", "/ack"); the prefix means nothing here.
  const word = first.replace(/^[!/]/, '').toLowerCase();
  // Own keys only: "constructor" is not a command.
  const verb = Object.hasOwn(VERBS, word) ? VERBS[word] : undefined;
  const usage = (what: string, kind: keyof typeof CHAT_USAGE): ChatCommand => ({
    kind: 'malformed',
    text: `${what} — usage: ${CHAT_USAGE[kind]}`,
  });
  const restAfter = (count: number) => rest(text, count + 1);
  switch (verb) {
    default:
      return {
        kind: 'malformed',
        text: `unknown command "${clip(first, 40)}" — try: ${Object.values(CHAT_USAGE)
          .map((u) => u.split(' ')[0])
          .join(', ')}`,
      };
    case 'help':
      return { kind: 'help' };
    case 'status':
      return { kind: 'status' };
    case 'ack': {
      const [object] = words;
      if (object === undefined) return usage('ack what?', 'ack');
      return { kind: 'ack', object, comment: restAfter(1) };
    }
    case 'unack': {
      const [object, extra] = words;
      if (object === undefined) return usage('unack what?', 'unack');
      if (extra !== undefined) return usage('unack takes one object', 'unack');
      return { kind: 'unack', object };
    }
    case 'downtime': {
      const [target, duration] = words;
      if (target === undefined) return usage('downtime for what?', 'downtime');
      if (duration === undefined) return usage(`downtime ${clip(target, 60)} for how long?`, 'downtime');
      const lowered = duration.toLowerCase();
      const durationMs = CHAT_DURATION.test(lowered) ? parseDuration(lowered) : undefined;
      if (durationMs === undefined || durationMs <= 0)
        return usage(`"${clip(duration, 40)}" is not a duration (e.g. 30m, 2h, 1d)`, 'downtime');
      return { kind: 'downtime', target, durationMs, duration: lowered, comment: restAfter(2) };
    }
    case 'locate': {
      const [host, extra] = words;
      if (host === undefined) return usage('locate which host?', 'locate');
      if (extra !== undefined) return usage('locate takes one host', 'locate');
      return { kind: 'locate', host };
    }
    case 'oncall': {
      const [schedule, extra] = words;
      if (extra !== undefined) return usage('oncall takes at most one schedule', 'oncall');
      return schedule === undefined ? { kind: 'oncall' } : { kind: 'oncall', schedule };
    }
  }
}

/**
 * The command line of a slash command: one named after a verb (`/ack web-1 on it`) carries
 * the rest of the line in its text; any other (`/vigil ack web-1 on it`) carries all of it.
 */
export function chatCommandLine(slashCommand: string, text: string): string {
  const name = slashCommand.trim().replace(/^\//, '').toLowerCase();
  return name !== 'vigil' && Object.hasOwn(VERBS, name) ? `${name} ${text}` : text;
}

/** The text after the first `count` words, inner spacing kept (a comment reads as typed). */
function rest(text: string, count: number): string {
  let remaining = text;
  for (let i = 0; i < count; i++) remaining = remaining.replace(/^\S+\s*/, '');
  return remaining.trim();
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---------------------------------------------------------------------------------------
// Answers

export interface ChatReply {
  text: string;
  /** False when the command was refused (malformed, unknown object, nothing to do). */
  ok: boolean;
  /** Whether the whole room should see it (Slack: in_channel) or only who asked (ephemeral). */
  toRoom: boolean;
}

/** What answering needs from the running daemon. */
export interface ChatContext {
  /** Who typed the command, as the chat names them: the author of acknowledgements and downtime. */
  user: string;
  now: number;
  model: Model;
  stateOf(objectId: string): ObjectState | undefined;
  /** Current hard problems by root cause, with acknowledgement and downtime badges. */
  problems(): ProblemGroup[];
  /** How many objects have a state (for "no problems (N objects checked)"). */
  checkedCount(): number;
  acknowledge(ack: NewAcknowledgement): Promise<void>;
  /** Ends the object's acknowledgement; false when there was none. */
  unacknowledge(objectId: string, reason: string): Promise<boolean>;
  scheduleDowntime(downtime: NewDowntime): Promise<{ id: number }>;
}

const refused = (text: string): ChatReply => ({ text, ok: false, toRoom: false });
const told = (text: string): ChatReply => ({ text, ok: true, toRoom: true });

/** Carries out a command. Refusals are replies, never exceptions; only the store's own failures throw. */
export async function answerChatCommand(command: ChatCommand, context: ChatContext): Promise<ChatReply> {
  const user = context.user.trim();
  switch (command.kind) {
    case 'malformed':
      return refused(command.text);
    case 'help':
      return { text: CHAT_HELP, ok: true, toRoom: false };
    case 'status':
      return told(formatStatus(context.problems(), context.checkedCount(), context.now, context.model));
    case 'locate':
      return locate(context.model, command.host);
    case 'oncall':
      return oncall(context.model.schedules, command.schedule, context.now);
    case 'ack': {
      const unknown = unknownObject(context.model, command.object);
      if (unknown) return refused(unknown);
      if (user === '') return refused('cannot tell who you are: the chat sent no user name');
      const ack = acknowledgementFromRequest(
        context.model,
        context.stateOf(command.object),
        { object: command.object, comment: command.comment, author: user },
        context.now,
      );
      if (typeof ack === 'string') return refused(ack);
      await context.acknowledge(ack);
      return told(
        `${command.object} acknowledged by ${user}${command.comment ? `: ${command.comment}` : ''}`,
      );
    }
    case 'unack': {
      const unknown = unknownObject(context.model, command.object);
      if (unknown) return refused(unknown);
      const removed = await context.unacknowledge(command.object, `removed by ${user || 'chat'}`);
      return removed
        ? told(`acknowledgement of ${command.object} removed by ${user || 'chat'}`)
        : refused(`${command.object} is not acknowledged`);
    }
    case 'downtime': {
      const target = command.target;
      const isObject = !/^[a-z]+:/.test(target);
      const unknown = isObject ? unknownObject(context.model, target) : undefined;
      if (unknown) return refused(unknown);
      if (user === '') return refused('cannot tell who you are: the chat sent no user name');
      const downtime = downtimeFromRequest(
        context.model,
        { target, for: command.duration, author: user, comment: command.comment },
        context.now,
      );
      if (typeof downtime === 'string') return refused(downtime);
      const { id } = await context.scheduleDowntime(downtime);
      const scope = context.model.hosts.has(target) ? ' (and its services)' : '';
      const until =
        downtime.endAt === null ? '' : `, until ${formatInZone(downtime.endAt, downtime.timeZone)}`;
      const comment = command.comment ? `: ${command.comment}` : '';
      return told(
        `downtime ${id}: ${target}${scope} for ${formatDuration(command.durationMs)}${until}, by ${user}${comment}`,
      );
    }
  }
}

/** "no host or service X", with the nearest name when one is close; undefined when X exists. */
function unknownObject(model: Model, name: string): string | undefined {
  if (model.hosts.has(name) || model.services.has(name)) return undefined;
  const near = nearestName(name, [...model.hosts.keys(), ...model.services.keys()]);
  return `no host or service "${clip(name, 80)}"${near ? ` (did you mean ${near}?)` : ''}`;
}

/**
 * The known name closest to a mistyped one: same letters in another case, then one that
 * contains it or is contained in it, then the fewest edits (at most a quarter of its length).
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  if (wanted.length === 0 || wanted.length > 200) return undefined;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  const limit = Math.max(1, Math.floor(wanted.length / 4));
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    let score: number;
    if (lower === wanted) score = 0;
    else if (wanted.length >= 3 && (lower.includes(wanted) || wanted.includes(lower)))
      score = 1 + Math.abs(lower.length - wanted.length) / 1000;
    else if (Math.abs(lower.length - wanted.length) > limit) continue;
    else {
      const distance = editDistance(wanted, lower, limit);
      if (distance > limit) continue;
      score = 2 + distance;
    }
    if (score < bestScore || (score === bestScore && best !== undefined && candidate < best)) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Edit distance counting a swap of neighbours as one edit (the commonest typo), giving up
 * (returning limit + 1) once every path is over the limit.
 */
function editDistance(a: string, b: string, limit: number): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, (before[j - 2] as number) + 1);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

// ---------------------------------------------------------------------------------------
// Formatting

/** Most lines a `status` answer has: a chat room is not a dashboard. */
export const STATUS_MAX_LINES = 15;

/** Root causes one a line, worst first: "tor-a1 DOWN — 3 hosts unreachable, 7 services affected — switch dead". */
export function formatStatus(groups: ProblemGroup[], checked: number, now: number, model: Model): string {
  if (groups.length === 0) return `no problems (${checked} objects checked)`;
  const shown = groups.length <= STATUS_MAX_LINES ? groups : groups.slice(0, STATUS_MAX_LINES - 1);
  const lines = shown.map((group) => statusLine(group, now));
  const hidden = groups.length - shown.length;
  if (hidden > 0) {
    const where = model.settings.publicUrl ? `: ${model.settings.publicUrl}` : '; vigil status lists all';
    lines.push(`(+${hidden} more${where})`);
  }
  return lines.join('\n');
}

function statusLine(group: ProblemGroup, now: number): string {
  const { cause } = group;
  const parts = [`${cause.object} ${cause.state}${cause.flapping ? ' (flapping)' : ''}`];
  const explained = explainedCounts(group.affected);
  if (group.degraded.length > 0) explained.push(`${group.degraded.length} without redundancy`);
  if (explained.length > 0) parts.push(explained.join(', '));
  if (cause.held) parts.push('confirming upstream');
  const output = cause.output.split('\n')[0]?.trim() ?? '';
  if (output) parts.push(clip(output, 80));
  let line = parts.join(' — ');
  if (cause.acknowledged) line += ` [acked by ${cause.acknowledged.author}]`;
  if (cause.downtime) {
    const left = Date.parse(cause.downtime.until) - now;
    line += left > 0 ? ` [downtime, ${formatDuration(left)} left]` : ' [downtime]';
  }
  return line;
}

/** "3 hosts unreachable, 7 services affected". */
function explainedCounts(affected: StateRow[]): string[] {
  const hostsByState = new Map<string, number>();
  let services = 0;
  for (const row of affected) {
    if (row.service !== null) services++;
    else hostsByState.set(row.state, (hostsByState.get(row.state) ?? 0) + 1);
  }
  const counts = [...hostsByState].map(
    ([state, count]) => `${count} ${count === 1 ? 'host' : 'hosts'} ${state.toLowerCase()}`,
  );
  if (services > 0) counts.push(`${services} ${services === 1 ? 'service' : 'services'} affected`);
  return counts;
}

/** Where a host is, from the configuration; a service is located by its host. */
function locate(model: Model, name: string): ChatReply {
  const hostName = model.services.get(name)?.host ?? name;
  const host = model.hosts.get(hostName);
  if (!host) {
    const near = nearestName(name, model.hosts.keys());
    return refused(`no host "${clip(name, 80)}"${near ? ` (did you mean ${near}?)` : ''}`);
  }
  const l = host.location;
  const fields: [string, string | undefined][] = [
    ['site', l.site],
    ['room', l.room],
    ['cabinet', l.cabinet],
    ['rack unit', l.rackUnit],
    ['out-of-band', l.oob],
  ];
  const known = fields.filter(
    (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
  );
  const title = `${host.name}${host.address && host.address !== host.name ? ` (${host.address})` : ''}`;
  if (known.length === 0 && !l.notes)
    return told(`${title}: location not recorded (add location: to this host in the configuration)`);
  const where = known.map(([label, value]) => `${label} ${value}`).join(', ');
  return told(`${title}: ${where || 'no room or rack recorded'}${l.notes ? `\nnotes: ${l.notes}` : ''}`);
}

/** Now and next for each schedule (or the one asked for). */
function oncall(schedules: ReadonlyMap<string, Schedule>, name: string | undefined, now: number): ChatReply {
  if (schedules.size === 0)
    return refused('no on-call schedules configured (add schedules: to the configuration)');
  let chosen = [...schedules.values()];
  if (name !== undefined) {
    const schedule = schedules.get(name);
    if (!schedule) {
      const near = nearestName(name, schedules.keys());
      const known = [...schedules.keys()].slice(0, 10).join(', ');
      return refused(
        `no schedule "${clip(name, 60)}"${near ? ` (did you mean ${near}?)` : ''} — known: ${known}`,
      );
    }
    chosen = [schedule];
  }
  const lines = chosen.slice(0, STATUS_MAX_LINES).map((schedule) => {
    const [current, next] = upcoming(schedule, now, 2);
    const who = current?.person ?? 'nobody';
    const layer = current?.layer ? `${current.layer}, ` : '';
    if (!current || current.end === null) return `${schedule.name}: ${who} (${layer}no change ahead)`;
    const then = next ? `, then ${next.person ?? 'nobody'}` : '';
    return `${schedule.name}: ${who} now (${layer}until ${formatInZone(current.end, schedule.timeZone)})${then}`;
  });
  if (chosen.length > STATUS_MAX_LINES) lines.push(`(+${chosen.length - STATUS_MAX_LINES} more schedules)`);
  return told(lines.join('\n'));
}

import { KvWatchInclude } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { PauseRequest, ProxyReport, ProxySwitch } from '../proxy-switch.ts';
import { openBucket, valueOf } from './group-follower.ts';
import {
  confirmation,
  type GroupState,
  isGroupState,
  isMemberReport,
  type MemberReport,
  memberPrefix,
  stateKey,
  unansweredAtApp,
} from './group-state.ts';

export interface NatsSwitchOptions {
  servers: string[];
  group: string;
  /** Wait for exactly these proxy ids; without it, every member with a fresh heartbeat. */
  expectedMembers?: string[];
  /** How long pause()/resume() wait for every member to confirm (default 10 s). */
  timeoutMs?: number;
  /** A member whose last report is older than this is stale: reported, not waited on (default 10 s). */
  staleAfterMs?: number;
  /** Defaults used when a pause request leaves them out. */
  defaultMaxHoldMs?: number;
  defaultMaxPauseMs?: number;
  /** Told about stale members each time they are skipped. */
  onStale?: (members: string[]) => void;
}

/** A switch that did not hear back from every proxy in time. */
export class ProxySwitchTimeout extends Error {
  constructor(
    message: string,
    readonly waitingOn: string[],
    readonly reports: ProxyReport[],
  ) {
    super(message);
  }
}

const POLL_MS = 50;

/**
 * Pauses and resumes every proxy of a group through the group's state in NATS KV: one
 * write, then wait until each live member reports the new epoch applied.
 */
export async function natsProxySwitch(
  options: NatsSwitchOptions,
): Promise<ProxySwitch & { lastStale: string[] }> {
  const nc = await connect({ servers: options.servers, name: `vigil proxy switch ${options.group}` });
  const kv = await openBucket(nc);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleAfterMs = options.staleAfterMs ?? 10_000;
  const key = stateKey(options.group);

  // What the members report, kept current by one watcher for the switch's lifetime: polling
  // with keys()/get() would leave a server-side consumer behind on every poll.
  const members = new Map<string, { report: MemberReport; revision: number }>();
  const prefix = memberPrefix(options.group);
  const take = (name: string, revision: number, value: unknown, deleted: boolean) => {
    const known = members.get(name);
    if (known && known.revision >= revision) return;
    if (deleted || !isMemberReport(value)) members.delete(name);
    else members.set(name, { report: value, revision });
  };
  // Updates first, then what is there now, so no report falls between the two.
  const watcher = await kv.watch({ key: `${prefix}*`, include: KvWatchInclude.UpdatesOnly });
  void (async () => {
    for await (const entry of watcher)
      take(entry.key.slice(prefix.length), entry.revision, valueOf(entry), entry.operation !== 'PUT');
  })();
  const names: string[] = [];
  for await (const name of await kv.keys(`${prefix}*`)) names.push(name);
  await Promise.all(
    names.map(async (name) => {
      const entry = await kv.get(name);
      if (entry) take(name.slice(prefix.length), entry.revision, valueOf(entry), entry.operation !== 'PUT');
    }),
  );
  const readMembers = (): Map<string, MemberReport> =>
    new Map([...members].map(([name, { report }]) => [name, report]));

  const change = async (paused: boolean, request?: PauseRequest): Promise<ProxyReport[]> => {
    const entry = await kv.get(key);
    const current = valueOf(entry);
    const epoch = (isGroupState(current) ? current.epoch : 0) + 1;
    const maxPauseMs = request?.maxPauseMs ?? options.defaultMaxPauseMs ?? 30_000;
    const state: GroupState = paused
      ? {
          paused: true,
          reason: request?.reason ?? '',
          max_hold_ms: request?.maxHoldMs ?? options.defaultMaxHoldMs ?? 15_000,
          max_pause_ms: maxPauseMs,
          until: Date.now() + maxPauseMs,
          epoch,
        }
      : { paused: false, reason: '', max_hold_ms: 0, max_pause_ms: 0, until: 0, epoch };
    await kv.put(key, JSON.stringify(state));
    handle.lastStale = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const members = readMembers();
      const verdict = confirmation(
        members,
        { epoch, paused },
        Date.now(),
        staleAfterMs,
        options.expectedMembers,
      );
      if (verdict.stale.join() !== handle.lastStale.join()) {
        handle.lastStale = verdict.stale;
        if (verdict.stale.length > 0) options.onStale?.(verdict.stale);
      }
      const reports = verdict.confirmed.map((proxy) => ({
        proxy,
        paused,
        heldRequests: members.get(proxy)?.held ?? 0,
      }));
      if (verdict.done && verdict.confirmed.length === 0)
        throw new ProxySwitchTimeout(
          `group ${options.group}: no live proxy has joined (none to ${paused ? 'pause' : 'resume'})`,
          [],
          [],
        );
      if (verdict.done) return reports;
      if (Date.now() >= deadline) {
        throw new ProxySwitchTimeout(
          `group ${options.group}: ${verdict.waitingOn.join(', ')} did not confirm ${paused ? 'the pause' : 'the resume'} ` +
            `(epoch ${epoch}) within ${timeoutMs} ms` +
            (verdict.stale.length ? `; stale, not waited on: ${verdict.stale.join(', ')}` : ''),
          verdict.waitingOn,
          reports,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  const handle = {
    lastStale: [] as string[],
    pause: (request: PauseRequest) => change(true, request),
    resume: () => change(false),
    unanswered: async () => unansweredAtApp(readMembers(), Date.now(), staleAfterMs),
    close: async () => {
      watcher.stop();
      await nc.drain().catch(() => {});
    },
  };
  return handle;
}

export interface GroupOverview {
  state: GroupState | undefined;
  members: { proxy: string; report: MemberReport; ageMs: number }[];
}

/** The group's wanted state and what each member last reported (for `vigil proxy status`). */
export async function readGroup(servers: string[], group: string): Promise<GroupOverview> {
  const nc = await connect({ servers, name: `vigil proxy status ${group}` });
  try {
    const kv = await openBucket(nc);
    const state = valueOf(await kv.get(stateKey(group)));
    const prefix = memberPrefix(group);
    const members: GroupOverview['members'] = [];
    for await (const name of await kv.keys(`${prefix}*`)) {
      const report = valueOf(await kv.get(name));
      if (isMemberReport(report))
        members.push({ proxy: name.slice(prefix.length), report, ageMs: Date.now() - report.at });
    }
    members.sort((a, b) => a.proxy.localeCompare(b.proxy));
    return { state: isGroupState(state) ? state : undefined, members };
  } finally {
    await nc.close();
  }
}

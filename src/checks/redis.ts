import net from 'node:net';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { PerfDatum } from '../model/types.ts';
import { ServiceState as State } from '../model/types.ts';
import type { CheckKind } from './check.ts';
import {
  errorText,
  type Finding,
  noAnswerWithin,
  onePasswordSource,
  outcomeFor,
  outsideThresholds,
  passwordParams,
  readPassword,
  stopwatch,
  TimedOut,
  timeDatum,
  untilAbort,
} from './native.ts';
import {
  breachedRange,
  fixedRange,
  perfdataRanges,
  stateFor,
  thresholdSchema,
  worstState,
} from './thresholds.ts';

const params = z
  .strictObject({
    /** Defaults to the host's address. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(6379),
    /** ACL user (Redis 6+); without it the password authenticates the default user. */
    username: z.string().min(1).optional(),
    ...passwordParams,
    db: z.number().int().min(0).default(0),
    /** TLS, verified against the system's CAs. */
    tls: z.boolean().default(false),
    role: z
      .enum(['master', 'replica', 'any'], { error: 'role must be master, replica or any' })
      .default('any'),
    /** Used memory in percent of maxmemory. */
    mem_warn: thresholdSchema.optional(),
    mem_crit: thresholdSchema.optional(),
    clients_warn: thresholdSchema.optional(),
    clients_crit: thresholdSchema.optional(),
    /** Seconds since a replica last heard from its master; default warn 30, crit 60 (Redis's repl-timeout). */
    lag_warn: thresholdSchema.optional(),
    lag_crit: thresholdSchema.optional(),
    /** Total time in seconds (connect, PING and INFO). */
    warn: thresholdSchema.optional(),
    crit: thresholdSchema.optional(),
  })
  .refine(...onePasswordSource);
type RedisParams = z.infer<typeof params>;

const DEFAULT_LAG_WARN = fixedRange('30');
const DEFAULT_LAG_CRIT = fixedRange('60');

const outcome = outcomeFor('REDIS');

/**
 * Checks a Redis server: it answers PING, plays the expected role, its replication link is up
 * and recent, and memory and client counts stay within bounds.
 */
export const redisCheck: CheckKind<RedisParams> = {
  kind: 'redis',
  params,
  async run(p, target, env) {
    const address = p.host ?? target.host.address;
    const where = `${address}:${p.port}`;
    const elapsed = stopwatch();

    const secret = await readPassword(p);
    if ('unreadable' in secret) return outcome(State.UNKNOWN, secret.unreadable);
    const { password } = secret;

    const client = new Redis({
      host: address,
      port: p.port,
      username: p.username,
      password,
      // SNI takes names only; for an address the certificate is checked against the IP.
      tls: p.tls ? (net.isIP(address) ? {} : { servername: address }) : undefined,
      lazyConnect: true,
      connectTimeout: Math.max(1, env.timeoutMs),
      // One attempt, no queueing, no reconnects: a check reports what it finds, it does not retry.
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      // The ready check would wait out a server loading its dataset; PING reports LOADING instead.
      enableReadyCheck: false,
    });
    // ioredis reports the cause (ECONNREFUSED, WRONGPASS ...) as an event and rejects connect()
    // with a bare "Connection is closed."; keep the cause for the status text.
    let lastError: unknown;
    client.on('error', (error) => {
      lastError ??= error;
    });
    const release = () => {
      client.disconnect();
      // disconnect() half-closes and waits up to 2 s for the server; a check has no reason to wait.
      client.stream?.destroy();
    };
    env.signal.addEventListener('abort', release, { once: true });

    let phase = 'connecting';
    try {
      await untilAbort(client.connect(), env.signal);
      phase = 'waiting for PING';
      const pingTime = stopwatch();
      await untilAbort(client.ping(), env.signal);
      const timePing = pingTime();
      if (p.db !== 0) {
        // Selected here rather than by ioredis, which ignores a failed SELECT on connect.
        phase = `selecting db ${p.db}`;
        await untilAbort(client.select(p.db), env.signal);
      }
      phase = 'reading INFO';
      const info = parseInfo(await untilAbort(client.info(), env.signal));
      const total = elapsed();

      const findings: Finding[] = [];
      const details: string[] = [];
      const perfdata: PerfDatum[] = [];
      const field = (name: string) => info.get(name);
      const timeLimit = { warn: p.warn, crit: p.crit };

      const role = field('role') === 'slave' ? 'replica' : (field('role') ?? 'unknown');
      const masterAddress = `${field('master_host') ?? '?'}:${field('master_port') ?? '?'}`;
      details.push(`Redis ${field('redis_version') ?? '?'}, role ${role}, PING in ${timePing.toFixed(3)}s`);
      if (p.role !== 'any' && p.role !== role)
        findings.push({
          state: State.CRITICAL,
          text:
            role === 'replica'
              ? `is a replica of ${masterAddress}, expected a master`
              : `is a ${role}, expected a replica`,
        });
      if (field('loading') === '1')
        findings.push({ state: State.WARNING, text: 'still loading its dataset' });

      let replicationSummary = '';
      if (role === 'replica') {
        const lagLimit = { warn: p.lag_warn ?? DEFAULT_LAG_WARN, crit: p.lag_crit ?? DEFAULT_LAG_CRIT };
        const link = field('master_link_status');
        if (link !== 'up') {
          const downFor = field('master_link_down_since_seconds');
          findings.push({
            state: State.CRITICAL,
            text: `replication link to ${masterAddress} is ${link ?? 'unknown'}${downFor && downFor !== '-1' ? ` (for ${downFor}s)` : ''}`,
          });
          if (field('master_sync_in_progress') === '1')
            details.push('initial sync with the master in progress');
          replicationSummary = `replica of ${masterAddress}, link ${link}`;
        } else {
          const lag = Number(field('master_last_io_seconds_ago'));
          findings.push(
            ...outsideThresholds(lag, lagLimit, `last IO from master ${masterAddress} ${lag}s ago`),
          );
          perfdata.push({ label: 'lag', value: lag, unit: 's', ...perfdataRanges(lagLimit), min: 0 });
          replicationSummary = `replica of ${masterAddress}, link up, last IO ${lag}s ago`;
        }
      } else if (role === 'master') {
        details.push(`${field('connected_slaves') ?? '0'} connected replica(s)`);
      }

      const usedMemory = Number(field('used_memory') ?? Number.NaN);
      const maxMemory = Number(field('maxmemory') ?? 0);
      const memLimit = { warn: p.mem_warn, crit: p.mem_crit };
      let memorySummary: string;
      if (maxMemory > 0) {
        const percent = (usedMemory / maxMemory) * 100;
        const state = stateFor(percent, memLimit);
        memorySummary = `${bytes(usedMemory)} of ${bytes(maxMemory)} used (${percent.toFixed(1)}%)`;
        if (state !== State.OK)
          findings.push({
            state,
            text: `memory ${memorySummary}, outside ${breachedRange(state, memLimit)}`,
          });
        perfdata.push({ label: 'used_memory', value: usedMemory, unit: 'B', min: 0, max: maxMemory });
        perfdata.push({
          label: 'used_memory_pct',
          value: Number(percent.toFixed(2)),
          unit: '%',
          ...perfdataRanges(memLimit),
          min: 0,
          max: 100,
        });
      } else {
        // Without maxmemory Redis grows until the kernel stops it; a percentage has nothing to divide by.
        memorySummary = `${bytes(usedMemory)} used (no maxmemory set)`;
        perfdata.push({ label: 'used_memory', value: usedMemory, unit: 'B', min: 0 });
      }
      details.push(`memory: ${memorySummary}, policy ${field('maxmemory_policy') ?? '?'}`);

      const clients = Number(field('connected_clients'));
      const maxClients = field('maxclients');
      const clientLimit = { warn: p.clients_warn, crit: p.clients_crit };
      findings.push(...outsideThresholds(clients, clientLimit, `${clients} connected clients`));
      perfdata.push({
        label: 'connected_clients',
        value: clients,
        unit: '',
        ...perfdataRanges(clientLimit),
        min: 0,
        ...(maxClients ? { max: Number(maxClients) } : {}),
      });
      details.push(`${clients} connected clients${maxClients ? ` of at most ${maxClients}` : ''}`);
      details.push(`db ${p.db}: ${field(`db${p.db}`) ?? 'no keys'}`);

      findings.push(...outsideThresholds(total, timeLimit, `took ${total.toFixed(3)}s`));
      perfdata.unshift(timeDatum('time', total, timeLimit));

      const state = worstState(findings.map((f) => f.state));
      const summary =
        findings.length > 0
          ? findings.map((f) => f.text).join('; ')
          : [replicationSummary || role, memorySummary, `${clients} clients`, `${total.toFixed(3)}s`].join(
              ', ',
            );
      return outcome(state, summary, details.join('\n'), perfdata);
    } catch (error) {
      if (error instanceof TimedOut || env.signal.aborted)
        return outcome(State.CRITICAL, noAnswerWithin(where, env.timeoutMs, phase));
      if (phase === 'connecting') return outcome(State.CRITICAL, connectProblem(lastError ?? error, where));
      return outcome(State.CRITICAL, `${where}: ${phase}: ${errorText(error)}`);
    } finally {
      env.signal.removeEventListener('abort', release);
      release();
    }
  },
};

/** INFO is `# Section` headers and `key:value` lines; keys are unique across sections. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function connectProblem(error: unknown, where: string): string {
  const text = errorText(error);
  if (/^(WRONGPASS|NOAUTH|NOPERM)/.test(text)) return `authentication failed at ${where}: ${text}`;
  return `cannot connect to ${where}: ${text}`;
}

function bytes(value: number): string {
  if (!Number.isFinite(value)) return '? B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${unit === 0 ? scaled : scaled.toFixed(1)} ${units[unit]}`;
}

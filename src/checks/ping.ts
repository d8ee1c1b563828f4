import net from 'node:net';
import { z } from 'zod';
import { type PerfDatum, ServiceState as State } from '../model/types.ts';
import type { CheckKind, CheckOutcome } from './check.ts';
import { outcomeFor } from './native.ts';
import { fixedRange, perfdataRanges, stateFor, thresholdSchema, worstState } from './thresholds.ts';

/**
 * The system ping (iputils). Debian installs it with the cap_net_raw file capability, so
 * an unprivileged daemon can send ICMP echo; see docs/checks/ping.md for the
 * net.ipv4.ping_group_range alternative.
 */
export const PING_BINARY = '/bin/ping';

/** Non-root iputils ping refuses intervals below 200 ms. */
const MIN_INTERVAL_S = 0.2;

const outcome = outcomeFor('PING');

function limits(defaults: { rta_ms: number; loss_pct: number }) {
  return z
    .strictObject({
      /** Round-trip average in milliseconds. */
      rta_ms: thresholdSchema.default(fixedRange(defaults.rta_ms)),
      /** Packet loss in percent. */
      loss_pct: thresholdSchema.default(fixedRange(defaults.loss_pct)),
    })
    .default({
      rta_ms: fixedRange(defaults.rta_ms),
      loss_pct: fixedRange(defaults.loss_pct),
    });
}

const params = z.strictObject({
  /** Defaults to the host's address. An IPv4 or IPv6 address or a name. */
  host: z
    .string()
    .min(1)
    .regex(/^[^-\s][^\s]*$/, 'host must be an address or name without spaces, not starting with "-"')
    .optional(),
  count: z.number().int().min(1).max(100).default(5),
  /** Seconds between packets. */
  interval: z
    .number()
    .min(
      MIN_INTERVAL_S,
      `interval must be at least ${MIN_INTERVAL_S}s: ping refuses shorter intervals without root`,
    )
    .max(60)
    .default(0.2),
  /** true: IPv6, false: IPv4; by default from the address (a name: whatever it resolves to). */
  ipv6: z.boolean().optional(),
  /** Nagios check_ping's customary defaults: -w 100,20% -c 500,60%. */
  warn: limits({ rta_ms: 100, loss_pct: 20 }),
  crit: limits({ rta_ms: 500, loss_pct: 60 }),
});
type PingParams = z.infer<typeof params>;

/** Pings a host with the system ping and judges round-trip average and packet loss. */
export const pingCheck: CheckKind<PingParams> = {
  kind: 'ping',
  params,
  async run(p, target, env) {
    const host = p.host ?? target.host.address;
    if (host.startsWith('-') || /\s/.test(host))
      return outcome(State.UNKNOWN, `"${host}" is not a host address`);
    // -w is whole seconds and must end before the check's timeout, with room for ping to
    // print its summary: half a second is plenty.
    const budget = Math.floor(env.timeoutMs / 1000 - 0.5);
    if (budget < 1) {
      return outcome(
        State.UNKNOWN,
        `timeout ${env.timeoutMs / 1000}s is too short for ping: give it at least 1.5s`,
      );
    }
    // Enough time to send every packet and wait a second for the last reply.
    const deadline = Math.min(budget, Math.ceil((p.count - 1) * p.interval + 1));
    const family = p.ipv6 === true || (p.ipv6 === undefined && net.isIPv6(host)) ? ['-6'] : [];
    if (p.ipv6 === false || (p.ipv6 === undefined && net.isIPv4(host))) family.push('-4');
    const argv = [
      PING_BINARY,
      '-n',
      ...family,
      '-c',
      String(p.count),
      '-i',
      String(p.interval),
      '-w',
      String(deadline),
      '--',
      host,
    ];
    const result = await env.spawner.run({
      argv,
      timeoutMs: env.timeoutMs,
      maxOutputBytes: env.maxOutputBytes,
      signal: env.signal,
    });
    const stdout = result.stdout.toString('utf8');
    const stderr = result.stderr.toString('utf8').trim();
    if (result.errno !== undefined) {
      return outcome(State.UNKNOWN, `cannot run ${PING_BINARY}: ${result.error ?? result.errno}`);
    }
    if (result.timedOut || result.error === 'aborted') {
      return outcome(State.CRITICAL, `${host}: ping did not finish within ${env.timeoutMs / 1000}s`, stdout);
    }
    const summary = parsePingSummary(stdout);
    if (summary === undefined) {
      const reason =
        stderr.split('\n')[0] ||
        `ping exited with ${result.exitCode ?? result.signal} and printed no summary`;
      // A local permission problem says nothing about the host: UNKNOWN, with the fix.
      if (/socket: (Operation not permitted|Permission denied)/.test(stderr)) {
        return outcome(
          State.UNKNOWN,
          `${reason} (${PING_BINARY} needs cap_net_raw, or net.ipv4.ping_group_range must include Vigil's group)`,
          stderr,
        );
      }
      return outcome(State.CRITICAL, reason, [stdout.trim(), stderr].filter(Boolean).join('\n'));
    }
    return judge(p, host, summary, [stdout.trim(), stderr].filter(Boolean).join('\n'));
  },
};

export interface PingSummary {
  transmitted: number;
  received: number;
  lossPct: number;
  /** Round-trip times in ms; absent when nothing came back. */
  rtt?: { min: number; avg: number; max: number };
  /** ICMP errors ping reported instead of replies ("Destination Host Unreachable"). */
  errors: string[];
}

const TRANSMITTED = /(\d+) packets transmitted, (\d+) (?:packets )?received/;
const LOSS = /([\d.,]+)% packet loss/;
// iputils: "rtt min/avg/max/mdev = ..."; BusyBox and BSD: "round-trip min/avg/max[/stddev] = ...".
const RTT = /(?:rtt|round-trip) min\/avg\/max(?:\/\w+)? = ([\d.,]+)\/([\d.,]+)\/([\d.,]+)/;
const ICMP_ERROR = /^From \S+ icmp_seq=\d+ (.+)$/gm;

/** Reads ping's closing statistics; undefined when there are none (ping failed early). */
export function parsePingSummary(stdout: string): PingSummary | undefined {
  const counts = TRANSMITTED.exec(stdout);
  if (!counts) return undefined;
  const transmitted = Number(counts[1]);
  const received = Number(counts[2]);
  const lossText = LOSS.exec(stdout)?.[1];
  const lossPct =
    lossText !== undefined
      ? toNumber(lossText)
      : transmitted === 0
        ? 100
        : ((transmitted - received) * 100) / transmitted;
  const rttMatch = RTT.exec(stdout);
  const errors = [...new Set([...stdout.matchAll(ICMP_ERROR)].map((m) => (m[1] as string).trim()))];
  const summary: PingSummary = { transmitted, received, lossPct, errors };
  if (rttMatch) {
    summary.rtt = { min: toNumber(rttMatch[1]), avg: toNumber(rttMatch[2]), max: toNumber(rttMatch[3]) };
  }
  return summary;
}

/** Some locales print a decimal comma; the fields are separated by "/", so it is unambiguous. */
function toNumber(text: string | undefined): number {
  return Number((text ?? '').replace(',', '.'));
}

function judge(p: PingParams, host: string, s: PingSummary, details: string): CheckOutcome {
  const counts = `${s.transmitted} sent, ${s.received} received`;
  const rtaLimits = { warn: p.warn.rta_ms, crit: p.crit.rta_ms };
  const lossLimits = { warn: p.warn.loss_pct, crit: p.crit.loss_pct };
  const perfdata: PerfDatum[] = [
    { label: 'rta', value: s.rtt ? s.rtt.avg : Number.NaN, unit: 'ms', ...perfdataRanges(rtaLimits), min: 0 },
    { label: 'pl', value: round(s.lossPct), unit: '%', ...perfdataRanges(lossLimits), min: 0, max: 100 },
  ];
  if (s.rtt) {
    perfdata.push({ label: 'rtmin', value: s.rtt.min, unit: 'ms', min: 0 });
    perfdata.push({ label: 'rtmax', value: s.rtt.max, unit: 'ms', min: 0 });
  }
  if (s.received === 0 || !s.rtt) {
    const why = s.errors.length > 0 ? `: ${s.errors.join('; ')}` : '';
    return outcome(State.CRITICAL, `no reply from ${host} (${counts}, 100% loss)${why}`, details, perfdata);
  }
  const state = worstState([stateFor(s.rtt.avg, rtaLimits), stateFor(s.lossPct, lossLimits)]);
  const text = `${host} rta ${s.rtt.avg.toFixed(3)}ms, loss ${round(s.lossPct)}% (${counts})`;
  return outcome(state, text, details, perfdata);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

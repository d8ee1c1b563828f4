import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { z } from 'zod';
import { ServiceState as State } from '../model/types.ts';
import type { CheckKind, CheckOutcome } from './check.ts';
import { outcomeFor, stopwatch, timeDatum } from './native.ts';
import { breachedRange, stateFor, thresholdSchema } from './thresholds.ts';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'SOA'] as const;
type RecordType = (typeof RECORD_TYPES)[number];

/** `ip` or `ip:port` (`[v6]:port`), as given to Resolver.setServers. */
const serverSchema = z.string().transform((text, ctx) => {
  const server = parseServer(text.trim());
  if (server === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `server "${text}" is not an IP address or ip:port (examples: 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)`,
    });
    return z.NEVER;
  }
  return server;
});

const params = z
  .strictObject({
    /** The name to look up. */
    name: z.string().min(1, 'name must not be empty').max(253),
    type: z
      .string()
      .transform((t) => t.toUpperCase())
      .pipe(z.enum(RECORD_TYPES, { error: `type must be one of ${RECORD_TYPES.join(', ')}` }))
      .default('A'),
    /** Server to ask; the system resolver (/etc/resolv.conf) by default. */
    server: serverSchema.optional(),
    /** Expected answers, written as documented per type (see normaliseExpected). */
    expect: z.array(z.string().min(1)).min(1, 'expect needs at least one answer').optional(),
    /** `exact`: the answers are exactly `expect`; `contains`: `expect` is a subset of them. */
    match: z.enum(['exact', 'contains']).default('exact'),
    /** The name must not exist: NXDOMAIN is OK and any answer is CRITICAL. */
    expect_nxdomain: z.boolean().default(false),
    /** Response time thresholds in seconds. */
    warn: thresholdSchema.optional(),
    crit: thresholdSchema.optional(),
  })
  .refine((p) => !(p.expect_nxdomain && p.expect), {
    message: 'expect and expect_nxdomain exclude each other',
  })
  .transform((p, ctx) => {
    const expected = p.expect?.map((text) => normaliseExpected(p.type, text));
    const bad = expected?.find((e) => e.startsWith('!'));
    if (bad) {
      ctx.addIssue({ code: 'custom', path: ['expect'], message: bad.slice(1) });
      return z.NEVER;
    }
    return { ...p, expected };
  });
type DnsParams = z.infer<typeof params>;

/** Looks up one name of one record type and checks the answer and the response time. */
export const dnsCheck: CheckKind<DnsParams> = {
  kind: 'dns',
  params,
  async run(p, _target, env) {
    // c-ares waits `timeout` for the first try and doubles it per retry, so a quarter of
    // the check's budget with two tries ends about when the check's timeout does; the
    // abort below cancels whatever is still in flight.
    const resolver = new Resolver({ timeout: Math.max(50, Math.floor(env.timeoutMs / 4)), tries: 2 });
    const serverText = p.server?.text ?? 'the system resolver';
    const question = `${p.name} ${p.type}`;
    try {
      if (p.server) resolver.setServers([p.server.setting]);
    } catch (error) {
      return critical(`cannot use server ${serverText}: ${(error as Error).message}`);
    }
    if (env.signal.aborted) {
      return critical(`timeout: no answer to ${question} from ${serverText} within ${env.timeoutMs / 1000}s`);
    }
    const onAbort = () => resolver.cancel();
    env.signal.addEventListener('abort', onAbort, { once: true });
    const elapsed = stopwatch();
    let answers: string[] | undefined;
    let failure: NodeJS.ErrnoException | undefined;
    try {
      answers = await query(resolver, p.name, p.type);
    } catch (error) {
      failure = error as NodeJS.ErrnoException;
    } finally {
      env.signal.removeEventListener('abort', onAbort);
    }
    const seconds = elapsed();
    const perfdata = [timeDatum('time', seconds, { warn: p.warn, crit: p.crit })];
    const via = p.server ? ` from ${p.server.text}` : '';

    if (failure !== undefined) {
      if (failure.code === 'ENOTFOUND' && p.expect_nxdomain) {
        return timed(p, seconds, `${p.name} does not exist (NXDOMAIN) as expected${via}`, '', perfdata);
      }
      const timedOut = failure.code === 'ETIMEOUT' || (failure.code === 'ECANCELLED' && env.signal.aborted);
      const reason = timedOut
        ? `timeout: no answer to ${question} from ${serverText} within ${env.timeoutMs / 1000}s`
        : describeFailure(failure, p.name, p.type, serverText);
      return critical(reason, failure.message);
    }

    const found = answers ?? [];
    const shown = listForOutput(found);
    const longOutput = found.map((answer) => `${p.type} ${answer}`).join('\n');
    if (p.expect_nxdomain) {
      return critical(
        `${p.name} exists (${p.type} ${shown}) but should not (expect_nxdomain)${via}`,
        longOutput,
        perfdata,
      );
    }
    if (p.expected) {
      // TXT data is case-sensitive; names and addresses are not.
      const key = p.type === 'TXT' ? (answer: string) => answer : (answer: string) => answer.toLowerCase();
      const have = new Set(found.map(key));
      const want = new Set(p.expected.map(key));
      const missing = p.expected.filter((answer) => !have.has(key(answer)));
      const unexpected = p.match === 'exact' ? found.filter((answer) => !want.has(key(answer))) : [];
      if (missing.length > 0 || unexpected.length > 0) {
        const parts = [
          missing.length > 0 ? `missing ${missing.join(', ')}` : '',
          unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : '',
        ].filter(Boolean);
        return critical(`${question} returns ${shown}${via}: ${parts.join('; ')}`, longOutput, perfdata);
      }
    }
    return timed(p, seconds, `${question} returns ${shown}${via}`, longOutput, perfdata);
  },
};

async function query(resolver: Resolver, name: string, type: RecordType): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(name);
    case 'AAAA':
      return (await resolver.resolve6(name)).map(canonicalIpv6);
    case 'CNAME':
      return (await resolver.resolveCname(name)).map(fqdn);
    case 'NS':
      return (await resolver.resolveNs(name)).map(fqdn);
    case 'MX':
      return (await resolver.resolveMx(name)).map((mx) => `${mx.priority} ${fqdn(mx.exchange)}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    case 'SRV':
      return (await resolver.resolveSrv(name)).map(
        (srv) => `${srv.priority} ${srv.weight} ${srv.port} ${fqdn(srv.name)}`,
      );
    case 'SOA': {
      const soa = await resolver.resolveSoa(name);
      return [
        `${fqdn(soa.nsname)} ${fqdn(soa.hostmaster)} ${soa.serial} ${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minttl}`,
      ];
    }
  }
}

/** The resolver's error codes, with what the server (or the resolver) meant. */
function describeFailure(
  error: NodeJS.ErrnoException,
  name: string,
  type: RecordType,
  server: string,
): string {
  switch (error.code) {
    case 'ENOTFOUND':
      return `NXDOMAIN: ${name} does not exist`;
    case 'ENODATA':
      return `NODATA: ${name} exists but has no ${type} records`;
    case 'ESERVFAIL':
      return `SERVFAIL: ${server} failed to answer for ${name} ${type} (server failure)`;
    case 'EREFUSED':
      return `REFUSED: ${server} refused to answer for ${name} ${type}`;
    case 'EFORMERR':
      return `FORMERR: ${server} could not read the query for ${name} ${type}`;
    case 'ENOTIMP':
      return `NOTIMP: ${server} does not implement ${type} queries`;
    case 'EBADRESP':
      return `EBADRESP: malformed answer from ${server} for ${name} ${type}`;
    case 'ECONNREFUSED':
      return `ECONNREFUSED: ${server} refused the connection (nothing listening, or a truncated answer and no DNS over TCP)`;
    case 'EBADNAME':
      return `EBADNAME: "${name}" is not a valid domain name`;
    case 'EOF':
      return `EOF: ${server} closed the connection before answering`;
  }
  return `${error.code ?? 'error'}: ${error.message}`;
}

function timed(
  p: DnsParams,
  seconds: number,
  text: string,
  longOutput: string,
  perfdata: CheckOutcome['perfdata'],
): CheckOutcome {
  const thresholds = { warn: p.warn, crit: p.crit };
  const state = stateFor(seconds, thresholds);
  const over = state === State.OK ? '' : `, over ${breachedRange(state, thresholds)}s`;
  return outcome(state, `${text} in ${seconds.toFixed(3)}s${over}`, longOutput, perfdata);
}

const outcome = outcomeFor('DNS');

function critical(reason: string, longOutput?: string, perfdata?: CheckOutcome['perfdata']): CheckOutcome {
  return outcome(State.CRITICAL, reason, longOutput, perfdata);
}

function listForOutput(answers: string[]): string {
  const shown = answers.slice(0, 5).join(', ');
  return answers.length > 5 ? `${shown} and ${answers.length - 5} more` : shown;
}

/** Names are compared as lower-case, fully qualified (trailing dot), as dig prints them. */
function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function canonicalIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}

const UINT = /^\d+$/;

/**
 * Writes an expected answer in the form answers are reported in, so `mx.example` matches
 * `mx.example.` and `2001:DB8:0::1` matches `2001:db8::1`. Returns "!message" when the
 * text does not fit the type.
 */
export function normaliseExpected(type: RecordType, text: string): string {
  const fields = text.trim().split(/\s+/);
  const wrongShape = (form: string) => `!expected ${type} answer "${text}" should look like "${form}"`;
  switch (type) {
    case 'A':
      return net.isIPv4(text.trim()) ? text.trim() : wrongShape('192.0.2.1');
    case 'AAAA':
      return net.isIPv6(text.trim()) ? canonicalIpv6(text.trim()) : wrongShape('2001:db8::1');
    case 'CNAME':
    case 'NS':
      return fields.length === 1 ? fqdn(fields[0] as string) : wrongShape('host.example.');
    case 'TXT':
      return text;
    case 'MX': {
      const [priority, exchange] = fields;
      return fields.length === 2 && UINT.test(priority as string)
        ? `${Number(priority)} ${fqdn(exchange as string)}`
        : wrongShape('10 mx.example.');
    }
    case 'SRV': {
      const [priority, weight, port, target] = fields;
      return fields.length === 4 && [priority, weight, port].every((f) => UINT.test(f as string))
        ? `${Number(priority)} ${Number(weight)} ${Number(port)} ${fqdn(target as string)}`
        : wrongShape('10 5 5060 sip.example.');
    }
    case 'SOA': {
      const [mname, rname, ...numbers] = fields;
      return fields.length === 7 && numbers.every((f) => UINT.test(f))
        ? [fqdn(mname as string), fqdn(rname as string), ...numbers.map((n) => String(Number(n)))].join(' ')
        : wrongShape('ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300');
    }
  }
}

interface DnsServer {
  /** As passed to Resolver.setServers. */
  setting: string;
  /** As shown in output. */
  text: string;
}

function parseServer(text: string): DnsServer | undefined {
  if (net.isIP(text) === 4) return { setting: text, text };
  if (net.isIP(text) === 6) return { setting: text, text };
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  const plain = /^([^:]+):(\d{1,5})$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) return undefined;
  const [, address, portText] = match as unknown as [string, string, string];
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  if (bracketed ? net.isIP(address) !== 6 : net.isIP(address) !== 4) return undefined;
  const shown = bracketed ? `[${address}]:${port}` : `${address}:${port}`;
  return { setting: shown, text: shown };
}

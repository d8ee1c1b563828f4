// The `tls` check kind: a TLS handshake with a server, judged on whether its certificate
// chain verifies, whether it names the host, and how long until it expires.
import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import { type PerfDatum, SERVICE_STATE_NAMES, ServiceState } from '../model/types.ts';
import type { CheckEnv, CheckKind, CheckOutcome, CheckTarget } from './check.ts';
import { errorText, hostPort } from './http/connector.ts';
import { stateFor, thresholdSchema, worstState } from './thresholds.ts';
import {
  certificateLines,
  daysLeft,
  describeExpiry,
  describeVerifyError,
  readPemFile,
  seconds,
  summarizeCertificate,
  timeoutText,
} from './tls/certificate.ts';

const params = z
  .strictObject({
    /** Defaults to the host's address. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(443),
    /** Name sent as SNI and matched against the certificate; defaults to `host` (or the address). */
    servername: z.string().min(1).optional(),
    /** PEM file of CA certificates to trust instead of the system's. */
    ca: z.string().min(1).optional(),
    warn_days: z.number().min(0).default(30),
    crit_days: z.number().min(0).default(7),
    /** Handshake time, seconds. */
    warn: thresholdSchema.optional(),
    crit: thresholdSchema.optional(),
  })
  .refine((p) => p.crit_days <= p.warn_days, { message: 'crit_days must not be above warn_days' });

export type TlsParams = z.output<typeof params>;

export const tlsCheck: CheckKind<TlsParams> = {
  kind: 'tls',
  params,
  async run(p, target, env) {
    try {
      return await runTls(p, target, env);
    } catch (error) {
      return outcome(ServiceState.UNKNOWN, `internal error: ${(error as Error).message}`);
    }
  },
};

interface Handshake {
  socket: tls.TLSSocket;
  ms: number;
}

async function runTls(p: TlsParams, target: CheckTarget, env: CheckEnv): Promise<CheckOutcome> {
  const host = p.host ?? target.host.address;
  const name = p.servername ?? host;
  const where = hostPort(host, p.port);
  let ca: Buffer | undefined;
  if (p.ca !== undefined) {
    const content = await readPemFile('ca', p.ca);
    if (typeof content === 'string') return outcome(ServiceState.UNKNOWN, content);
    ca = content;
  }
  if (env.signal.aborted)
    return outcome(ServiceState.CRITICAL, `no answer from ${where} within ${timeoutText(env.timeoutMs)}`);

  const result = await handshake(host, p.port, name, ca, env);
  if (typeof result === 'string') return outcome(ServiceState.CRITICAL, result);
  const { socket, ms } = result;
  try {
    return judge(p, socket, ms, name, where);
  } finally {
    socket.destroy();
  }
}

function handshake(
  host: string,
  port: number,
  name: string,
  ca: Buffer | undefined,
  env: CheckEnv,
): Promise<Handshake | string> {
  const where = hostPort(host, port);
  return new Promise((resolve) => {
    const started = performance.now();
    let connected = false;
    // Verification is judged afterwards, so a rejected certificate can still be described.
    const socket = tls.connect({
      host,
      port,
      ...(net.isIP(name) ? {} : { servername: name }),
      // Node matches this name against the certificate (authorizationError) as well.
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
      ...(ca ? { ca } : {}),
      rejectUnauthorized: false,
    });
    const finish = (result: Handshake | string) => {
      env.signal.removeEventListener('abort', onAbort);
      if (typeof result === 'string') socket.destroy();
      resolve(result);
    };
    const onAbort = () =>
      finish(
        `no answer from ${where} within ${timeoutText(env.timeoutMs)} (${connected ? 'in the TLS handshake' : 'connecting'})`,
      );
    env.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => finish({ socket, ms: performance.now() - started }));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'ERROR';
      if (!connected) return finish(`connection to ${where} failed: ${code}`);
      finish(`TLS handshake with ${where} failed: ${errorText(error)}`);
    });
  });
}

function judge(p: TlsParams, socket: tls.TLSSocket, ms: number, name: string, where: string): CheckOutcome {
  const now = Date.now();
  const peer = socket.getPeerCertificate();
  const cert = summarizeCertificate(peer);
  const protocol = socket.getProtocol() ?? '?';
  const cipher = socket.getCipher()?.name ?? '?';
  const connection = `${protocol} ${cipher}`;
  if (!cert) return outcome(ServiceState.CRITICAL, `${where} sent no certificate - ${connection}`);

  const findings: { state: ServiceState; text: string }[] = [];
  // Node reports a chain problem in preference to a name mismatch; check the name on its own
  // so both show up.
  const nameError = tls.checkServerIdentity(name, peer);
  const chainError =
    socket.authorizationError && socket.authorizationError !== ('ERR_TLS_CERT_ALTNAME_INVALID' as unknown)
      ? String(socket.authorizationError)
      : undefined;
  if (chainError) findings.push({ state: ServiceState.CRITICAL, text: describeVerifyError(chainError) });
  if (nameError)
    findings.push({
      state: ServiceState.CRITICAL,
      text: `${nameError.message.trim()} (${(nameError as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'})`,
    });

  const days = daysLeft(cert, now);
  const expiry = describeExpiry(cert, now);
  const dayState =
    days < p.crit_days ? ServiceState.CRITICAL : days < p.warn_days ? ServiceState.WARNING : ServiceState.OK;
  // An expired certificate is already reported by the chain check.
  if (dayState !== ServiceState.OK && chainError !== 'CERT_HAS_EXPIRED')
    findings.push({ state: dayState, text: `certificate ${expiry}` });

  const timeS = ms / 1000;
  const timeState = stateFor(timeS, { warn: p.warn, crit: p.crit });
  if (timeState !== ServiceState.OK)
    findings.push({
      state: timeState,
      text: `handshake took ${seconds(ms)} s (${timeState === ServiceState.CRITICAL ? `crit ${p.crit?.text}` : `warn ${p.warn?.text}`})`,
    });

  const state = worstState(findings.map((f) => f.state));
  const problems = findings.map((f) => f.text);
  const summary = problems.length > 0 ? problems.join('; ') : `certificate for ${name} ${expiry}`;
  const output = `${summary} - ${where} ${connection} in ${seconds(ms)} s`;
  const lines = [
    `chain: ${socket.authorized || !chainError ? 'verified' : `not verified: ${describeVerifyError(chainError)}`}`,
    `hostname ${name}: ${nameError ? `does not match (${nameError.message.trim()})` : 'matches'}`,
    `protocol: ${protocol}, cipher: ${cipher}`,
    ...certificateLines(cert, now),
  ];
  const perfdata: PerfDatum[] = [
    {
      label: 'days',
      value: Number(days.toFixed(2)),
      unit: '',
      warn: `${p.warn_days}:`,
      crit: `${p.crit_days}:`,
    },
    {
      label: 'time',
      value: Number(timeS.toFixed(6)),
      unit: 's',
      ...(p.warn ? { warn: p.warn.text } : {}),
      ...(p.crit ? { crit: p.crit.text } : {}),
      min: 0,
    },
  ];
  return outcome(state, output, lines.join('\n'), perfdata);
}

function outcome(
  exitCode: ServiceState,
  text: string,
  longOutput = '',
  perfdata: PerfDatum[] = [],
): CheckOutcome {
  return { exitCode, output: `TLS ${SERVICE_STATE_NAMES[exitCode]} - ${text}`, longOutput, perfdata };
}

import net from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';
import type { PerfDatum } from '../model/types.ts';
import { ServiceState as State } from '../model/types.ts';
import type { CheckKind, CheckOutcome } from './check.ts';
import { outcomeFor, timeDatum } from './native.ts';
import { breachedRange, stateFor, thresholdSchema } from './thresholds.ts';

const params = z
  .strictObject({
    port: z.number({ error: 'port must be a number 1..65535' }).int().min(1).max(65535),
    /** Defaults to the host's address. An IPv4 or IPv6 address or a name. */
    host: z.string().min(1).optional(),
    /** Written after connecting. Backslash escapes \r \n \t \0 \\ \xHH are decoded. */
    send: z.string().min(1).transform(decodeEscapes).optional(),
    /** Substring the answer must contain. */
    expect: z.string().min(1).optional(),
    /** Regular expression (JavaScript syntax) the answer must match. */
    expect_regex: z
      .string()
      .min(1)
      .transform((source, ctx) => {
        try {
          return new RegExp(source);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `expect_regex is not a valid regular expression: ${(error as Error).message}`,
          });
          return z.NEVER;
        }
      })
      .optional(),
    tls: z.boolean().default(false),
    /** TLS server name (SNI and certificate name check); defaults to `host` when that is a name. */
    servername: z.string().min(1).optional(),
    /** Accept any certificate (self-signed, expired, wrong name). */
    insecure: z.boolean().default(false),
    /** Response time thresholds in seconds. */
    warn: thresholdSchema.optional(),
    crit: thresholdSchema.optional(),
    /** Most bytes read while waiting for `expect` / `expect_regex`. */
    max_read: z
      .number()
      .int()
      .min(1)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
  })
  .refine((p) => p.expect === undefined || p.expect_regex === undefined, {
    message: 'give either expect or expect_regex, not both',
  })
  .refine((p) => p.tls || (p.servername === undefined && !p.insecure), {
    message: 'servername and insecure only apply with tls: true',
  });
type TcpParams = z.infer<typeof params>;

/**
 * Connects to a TCP port (optionally TLS), optionally sends a string and waits for an
 * expected answer, like Monitoring Plugins' check_tcp.
 */
export const tcpCheck: CheckKind<TcpParams> = {
  kind: 'tcp',
  params,
  run(p, target, env) {
    const address = p.host ?? target.host.address;
    return new Promise<CheckOutcome>((resolve) =>
      new TcpProbe(p, address, env.signal, env.timeoutMs, resolve).start(),
    );
  },
};

const PREVIEW_CHARS = 100;

const outcome = outcomeFor('TCP');

/** One connection attempt: owns the socket and settles exactly once. */
class TcpProbe {
  private socket: net.Socket | undefined;
  private readonly started = performance.now();
  private connectedAt: number | undefined;
  private secureAt: number | undefined;
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private settled = false;
  private readonly where: string;
  private readonly onAbort = () => this.onTimeout();

  constructor(
    private readonly p: TcpParams,
    private readonly address: string,
    private readonly signal: AbortSignal,
    private readonly timeoutMs: number,
    private readonly resolve: (outcome: CheckOutcome) => void,
  ) {
    this.where = `${address.includes(':') ? `[${address}]` : address}:${p.port}`;
  }

  start(): void {
    if (this.signal.aborted) return this.onTimeout();
    this.signal.addEventListener('abort', this.onAbort, { once: true });
    const host = this.address;
    let socket: net.Socket;
    try {
      if (this.p.tls) {
        const servername = this.p.servername ?? (net.isIP(host) === 0 ? host : undefined);
        socket = tls.connect({
          host,
          port: this.p.port,
          ...(servername === undefined ? {} : { servername }),
          rejectUnauthorized: !this.p.insecure,
        });
        socket.once('secureConnect', () => {
          this.secureAt = performance.now();
          this.afterConnect();
        });
      } else {
        socket = net.connect({ host, port: this.p.port });
      }
    } catch (error) {
      // Synchronous throws are rare (e.g. an invalid host string); still an outcome.
      return this.fail(`${this.where}: ${(error as Error).message}`);
    }
    this.socket = socket;
    socket.once('connect', () => {
      this.connectedAt = performance.now();
      if (!this.p.tls) this.afterConnect();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(this.describeError(error)));
  }

  private afterConnect(): void {
    const socket = this.socket as net.Socket;
    const expecting = this.p.expect !== undefined || this.p.expect_regex !== undefined;
    if (expecting) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.once('end', () => this.onEnd());
    }
    if (this.p.send !== undefined) socket.write(this.p.send);
    if (!expecting) this.succeed(undefined);
  }

  private onData(chunk: Buffer): void {
    const room = this.p.max_read - this.receivedBytes;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.received.push(kept);
    this.receivedBytes += kept.length;
    const text = this.text();
    const matched = this.findMatch(text);
    if (matched !== undefined) return this.succeed(matched);
    if (this.receivedBytes >= this.p.max_read) {
      this.fail(
        `${this.expectation()} not found in the first ${this.p.max_read} bytes from ${this.where}`,
        text,
      );
    }
  }

  private onEnd(): void {
    const text = this.text();
    const closed =
      this.receivedBytes === 0
        ? `${this.where} closed the connection without sending anything`
        : `${this.where} closed the connection after ${this.receivedBytes} bytes without ${this.expectation()}: "${preview(text)}"`;
    this.fail(closed, text);
  }

  private onTimeout(): void {
    const seconds = this.timeoutMs / 1000;
    if (this.connectedAt === undefined) return this.fail(`no connection to ${this.where} within ${seconds}s`);
    if (this.p.tls && this.secureAt === undefined) {
      return this.fail(`TLS handshake with ${this.where} not finished within ${seconds}s`);
    }
    const text = this.text();
    const got =
      this.receivedBytes === 0 ? 'nothing received' : `got ${this.receivedBytes} bytes: "${preview(text)}"`;
    this.fail(`${this.expectation()} not seen from ${this.where} within ${seconds}s (${got})`, text);
  }

  private findMatch(text: string): string | undefined {
    if (this.p.expect !== undefined) {
      const at = text.indexOf(this.p.expect);
      if (at < 0) return undefined;
      // Show the whole line the expected text is on: more telling than the text itself.
      const lineStart = text.lastIndexOf('\n', at) + 1;
      const lineEnd = text.indexOf('\n', at + this.p.expect.length);
      return text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, '');
    }
    const match = this.p.expect_regex?.exec(text);
    return match ? match[0] : undefined;
  }

  private expectation(): string {
    return this.p.expect !== undefined
      ? `"${this.p.expect}"`
      : `a match for /${this.p.expect_regex?.source}/`;
  }

  private text(): string {
    return Buffer.concat(this.received).toString('utf8');
  }

  private succeed(matched: string | undefined): void {
    if (this.settled) return;
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    const thresholds = { warn: this.p.warn, crit: this.p.crit };
    const state = stateFor(seconds, thresholds);
    const match = matched === undefined ? '' : `, matched "${preview(matched)}"`;
    const over = state === State.OK ? '' : ` (threshold ${breachedRange(state, thresholds)}s)`;
    this.settle(
      outcome(
        state,
        `${seconds.toFixed(3)}s response time on ${this.where}${over}${match}`,
        this.tlsDetails(),
        this.perfdata(seconds),
      ),
    );
  }

  private fail(reason: string, received?: string): void {
    if (this.settled) return;
    const longOutput = [
      received
        ? `received (first ${PREVIEW_CHARS * 10} chars):\n${received.slice(0, PREVIEW_CHARS * 10)}`
        : '',
    ]
      .filter(Boolean)
      .join('\n');
    const perfdata: PerfDatum[] = [];
    if (this.connectedAt !== undefined)
      perfdata.push(timeDatum('time_connect', (this.connectedAt - this.started) / 1000));
    this.settle(outcome(State.CRITICAL, reason, longOutput, perfdata));
  }

  private settle(result: CheckOutcome): void {
    this.settled = true;
    this.signal.removeEventListener('abort', this.onAbort);
    this.socket?.removeAllListeners('data');
    // Keep an error listener: a late ECONNRESET on a destroyed socket must not be unhandled.
    this.socket?.on('error', () => {});
    this.socket?.destroy();
    this.resolve(result);
  }

  private perfdata(seconds: number): PerfDatum[] {
    const data = [timeDatum('time', seconds, { warn: this.p.warn, crit: this.p.crit })];
    if (this.connectedAt !== undefined)
      data.push(timeDatum('time_connect', (this.connectedAt - this.started) / 1000));
    if (this.secureAt !== undefined && this.connectedAt !== undefined) {
      data.push(timeDatum('time_tls', (this.secureAt - this.connectedAt) / 1000));
    }
    return data;
  }

  private tlsDetails(): string {
    if (!(this.socket instanceof tls.TLSSocket)) return '';
    const cert = this.socket.getPeerCertificate();
    const lines = [`TLS ${this.socket.getProtocol() ?? ''} ${this.socket.getCipher()?.name ?? ''}`.trim()];
    if (cert && Object.keys(cert).length > 0) {
      lines.push(
        `certificate subject: ${formatName(cert.subject)}; issuer: ${formatName(cert.issuer)}; expires ${cert.valid_to}`,
      );
    }
    if (!this.socket.authorized)
      lines.push(`certificate not verified (insecure: true): ${String(this.socket.authorizationError)}`);
    return lines.join('\n');
  }

  private describeError(error: NodeJS.ErrnoException): string {
    switch (error.code) {
      case 'ECONNREFUSED':
        return `connection refused by ${this.where} (ECONNREFUSED)`;
      case 'ECONNRESET':
        return `connection reset by ${this.where} (ECONNRESET)`;
      case 'EHOSTUNREACH':
        return `no route to ${this.where} (EHOSTUNREACH)`;
      case 'ENETUNREACH':
        return `network unreachable for ${this.where} (ENETUNREACH)`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `cannot resolve ${this.address} (${error.code})`;
      case 'EPIPE':
        return `${this.where} closed the connection while we were sending (EPIPE)`;
    }
    // TLS failures carry OpenSSL / certificate codes (ERR_TLS_CERT_ALTNAME_INVALID,
    // DEPTH_ZERO_SELF_SIGNED_CERT, ...) and a readable message.
    const code = error.code ? ` (${error.code})` : '';
    const phase =
      this.p.tls && this.secureAt === undefined && this.connectedAt !== undefined ? 'TLS error: ' : '';
    return `${this.where}: ${phase}${error.message}${code}`;
  }
}

function formatName(name: tls.Certificate | undefined): string {
  if (!name) return '?';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}

/** One line, control characters made visible, at most PREVIEW_CHARS long. */
function preview(text: string): string {
  const visible = text
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(/[\u0000-\u001f\u007f]/g, '?');
  return visible.length > PREVIEW_CHARS ? `${visible.slice(0, PREVIEW_CHARS)}…` : visible;
}

const ESCAPES: Record<string, number> = { r: 13, n: 10, t: 9, '0': 0, '\\': 92 };

/**
 * Decodes \r \n \t \0 \\ and \xHH (one raw byte) so `send: 'QUIT\r\n'` works from any YAML
 * quoting; other text is sent as UTF-8 and an unknown escape is sent as written.
 */
export function decodeEscapes(text: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(/\\(x[0-9a-fA-F]{2}|[\s\S])/g)) {
    const escape = match[1] as string;
    const byte = escape.length === 3 ? Number.parseInt(escape.slice(1), 16) : ESCAPES[escape];
    if (byte === undefined) continue;
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'), Buffer.from([byte]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

// The socket factory of the http kind's requests. Doing the lookup, the TCP connect and
// the TLS handshake here lets every phase be timed, lets the TLS verdict keep the peer
// certificate for the report, and lets an aborted check destroy a socket that no request
// owns yet.
import { lookup } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { describeVerifyError } from '../tls/certificate.ts';

export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** False with `insecure: true`: the handshake result is reported but not enforced. */
  verify: boolean;
}

/** Sums over every connection the check opened (redirects may open several). */
export interface ConnectTimings {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  connections: number;
  /** performance.now() when the last connection became ready for a request. */
  readyAt: number;
}

export interface TlsPeer {
  certificate: tls.PeerCertificate;
  protocol: string | null;
  cipher: string;
  authorized: boolean;
  authorizationError?: string;
}

export type ConnectPhase = 'resolving the name' | 'connecting' | 'in the TLS handshake';

/** A failure while opening a connection, with the phase it happened in. */
export class ConnectError extends Error {
  constructor(
    readonly phase: 'dns' | 'connect' | 'tls' | 'verify',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class TimedConnector {
  readonly timings: ConnectTimings = { dnsMs: 0, connectMs: 0, tlsMs: 0, connections: 0, readyAt: 0 };
  /** The peer of the most recent TLS connection. */
  tlsPeer: TlsPeer | undefined;
  /** The last error a socket reported after it was handed to a request, which the request
   * may reduce to "socket hang up": a TLS alert or ECONNRESET says more. */
  lastSocketError: NodeJS.ErrnoException | undefined;
  /** Where a connection attempt in progress is, for the timeout message. */
  phase: ConnectPhase | undefined;
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  constructor(private readonly tlsSettings: TlsSettings) {}

  readonly connect = (url: URL, callback: (error: Error | null, socket: net.Socket | null) => void): void => {
    const https = url.protocol === 'https:';
    const port = Number(url.port) || (https ? 443 : 80);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      this.phase = undefined;
      callback(error, null);
    };
    const succeed = (socket: net.Socket) => {
      if (settled) return;
      settled = true;
      this.phase = undefined;
      this.timings.connections++;
      this.timings.readyAt = performance.now();
      callback(null, socket);
    };

    const lookupStarted = performance.now();
    const afterLookup = (error: NodeJS.ErrnoException | null, address: string) => {
      if (this.closed) return fail(new ConnectError('connect', 'ABORTED', 'check aborted'));
      if (error) {
        const code = error.code ?? 'ERROR';
        return fail(new ConnectError('dns', code, `cannot resolve ${hostname}: ${code}`));
      }
      const connectStarted = performance.now();
      this.timings.dnsMs += connectStarted - lookupStarted;
      this.phase = 'connecting';
      const socket = this.track(net.connect({ host: address, port, noDelay: true }));
      socket.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) this.noteSocketError(e);
        const code = e.code ?? 'ERROR';
        fail(new ConnectError('connect', code, `connection to ${hostPort(address, port)} failed: ${code}`));
      });
      socket.once('connect', () => {
        const connected = performance.now();
        this.timings.connectMs += connected - connectStarted;
        if (!https) return succeed(socket);
        this.phase = 'in the TLS handshake';
        this.handshake(socket, hostname, port, connected, succeed, fail);
      });
    };
    this.phase = 'resolving the name';
    if (net.isIP(hostname)) afterLookup(null, hostname);
    else lookup(hostname, (error, address) => afterLookup(error, address));
  };

  /** Destroys every socket this connector opened; later lookups give up. */
  destroyAll(): void {
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private handshake(
    socket: net.Socket,
    hostname: string,
    port: number,
    connected: number,
    succeed: (socket: net.Socket) => void,
    fail: (error: Error) => void,
  ): void {
    const settings = this.tlsSettings;
    // Verification is decided below rather than by OpenSSL, so a rejected certificate is
    // still available to describe. Node checks the hostname against `host` either way.
    const secure = this.track(
      tls.connect({
        socket,
        host: hostname,
        ...(net.isIP(hostname) ? {} : { servername: hostname }),
        ...(settings.ca ? { ca: settings.ca } : {}),
        ...(settings.cert ? { cert: settings.cert } : {}),
        ...(settings.key ? { key: settings.key } : {}),
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      }),
    );
    secure.on('error', (e: NodeJS.ErrnoException) => {
      this.noteSocketError(e);
      const code = e.code ?? 'ERROR';
      fail(
        new ConnectError(
          'tls',
          code,
          `TLS handshake with ${hostPort(hostname, port)} failed: ${errorText(e)}`,
        ),
      );
    });
    secure.once('secureConnect', () => {
      this.timings.tlsMs += performance.now() - connected;
      const certificate = secure.getPeerCertificate();
      const error = secure.authorizationError ? String(secure.authorizationError) : undefined;
      this.tlsPeer = {
        certificate,
        protocol: secure.getProtocol(),
        cipher: secure.getCipher()?.name ?? '',
        authorized: secure.authorized,
        ...(error ? { authorizationError: error } : {}),
      };
      if (!secure.authorized && settings.verify) {
        secure.destroy();
        const code = error ?? 'UNAUTHORIZED';
        const text =
          code === 'ERR_TLS_CERT_ALTNAME_INVALID'
            ? `${tls.checkServerIdentity(hostname, certificate)?.message ?? 'hostname mismatch'} (${code})`
            : describeVerifyError(code);
        return fail(new ConnectError('verify', code, `TLS certificate not accepted: ${text}`));
      }
      succeed(secure);
    });
  }

  private noteSocketError(error: NodeJS.ErrnoException): void {
    this.lastSocketError = error;
  }

  private track<S extends net.Socket>(socket: S): S {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.closed) socket.destroy();
    return socket;
  }
}

export function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One line naming an error: OpenSSL's reason rather than its multi-line dump, and the code. */
export function errorText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = (error as { reason?: unknown }).reason;
  const text =
    typeof reason === 'string' && reason !== '' ? reason : (error.message.split('\n')[0] ?? '').trim();
  if (!code) return text || 'unknown error';
  return text && !text.includes(code) ? `${text} (${code})` : code;
}

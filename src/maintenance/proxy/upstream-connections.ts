// Kept-alive connections to one app server, each carrying one request at a time. Written
// for the proxy's hot path: a request is one socket write of its head, the answer is read
// by the strict ResponseParser, and no stream or timer object is made per request; one
// sweep a second enforces every timeout (connect, answer, idle keep-alive).
import net from 'node:net';
import { ResponseParser, type ResponseSink } from './response-parser.ts';

/** Why an exchange with the app failed, as the proxy decides what to answer. */
export type UpstreamFailure =
  /** Nothing reached the app (connection refused, or not established in time). */
  | 'unreached'
  /** A kept-alive connection closed before any byte of an answer: the app dropped it idle. */
  | 'closed_idle'
  /** No answer, or no progress in the body, within the upstream timeout. */
  | 'timeout'
  /** Anything else: reset mid-answer, a malformed answer. */
  | 'broken';

/** One request's side of a connection: the parsed answer and, if it fails, why. */
export interface Exchanger extends ResponseSink {
  onFailure(failure: UpstreamFailure, error: Error): void;
}

const CONNECT_TIMEOUT_MS = 10_000;
const SWEEP_MS = 1_000;
/** Dropped before a typical app server (Node: 5 s) would close it under us. */
const DEFAULT_IDLE_MS = 4_000;

export class UpstreamConnection implements ResponseSink {
  readonly socket: net.Socket;
  private readonly parser = new ResponseParser(this);
  private exchanger: Exchanger | undefined;
  private connected = false;
  /** Requests carried before the current one: a reused connection may have gone stale. */
  private uses = 0;
  private requestSent = false;
  private readingPaused = false;
  private idleMs = DEFAULT_IDLE_MS;
  private lastActive = Date.now();
  private failure: Error | undefined;
  /** The answer just completed and the connection may carry another request. */
  private reusableNow = false;
  /** Called once when the connection is established (the request's body waits for it). */
  private onConnected: (() => void) | undefined;

  constructor(
    private readonly owner: UpstreamConnections,
    host: string,
    port: number,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('connect', () => {
      this.connected = true;
      this.lastActive = Date.now();
      this.onConnected?.();
      this.onConnected = undefined;
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.lastActive = Date.now();
      try {
        this.parser.feed(chunk);
      } catch (error) {
        return this.fail('broken', error as Error);
      }
      // Back to the idle list only once the whole chunk was read without a fault: bytes
      // after the end of the answer must not leave a broken connection up for reuse.
      if (this.reusableNow) {
        this.reusableNow = false;
        this.owner.release(this);
      }
    });
    this.socket.on('end', () => {
      // The app closed its side: nothing more can be sent here, busy or idle.
      this.owner.forget(this);
      try {
        if (this.parser.busy) this.parser.end();
      } catch (error) {
        this.fail(this.staleClose() ? 'closed_idle' : 'broken', error as Error);
      }
    });
    this.socket.on('error', (error) => {
      this.failure = error;
      this.owner.forget(this);
    });
    this.socket.on('close', () => {
      this.owner.forget(this);
      const error = this.failure ?? new Error('the upstream closed the connection');
      if (!this.connected) this.fail('unreached', error);
      else this.fail(this.staleClose() ? 'closed_idle' : 'broken', error);
    });
  }

  /** Sends a request head; the answer goes to `exchanger`. `whenConnected` starts a body. */
  start(exchanger: Exchanger, method: string, head: string, whenConnected?: () => void): void {
    this.exchanger = exchanger;
    this.requestSent = whenConnected === undefined;
    this.lastActive = Date.now();
    this.parser.expect(method);
    this.socket.write(head, 'latin1');
    if (!whenConnected) return;
    if (this.connected) whenConnected();
    else this.onConnected = whenConnected;
  }

  /** Writes request body bytes; false means wait for 'drain' on the socket. */
  write(chunk: Buffer | string): boolean {
    this.lastActive = Date.now();
    return this.socket.write(chunk);
  }

  /** The whole request has been written. */
  sent(): void {
    this.requestSent = true;
  }

  /** Stops reading the answer until the client has taken what it was sent. */
  pauseReading(): void {
    this.readingPaused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.lastActive = Date.now();
    this.socket.resume();
  }

  /** Ends the connection mid-exchange (the client left): it cannot carry another request. */
  abort(): void {
    this.exchanger = undefined;
    this.close();
  }

  /** Whether an idle connection can still carry a request: open both ways and not expired. */
  usable(now: number): boolean {
    return (
      !this.socket.destroyed &&
      this.socket.readable &&
      this.socket.writable &&
      now - this.lastActive < this.idleMs
    );
  }

  /** Closes the connection and takes it out of the pool at once (its 'close' event comes later). */
  close(): void {
    this.owner.forget(this);
    this.socket.destroy();
  }

  onHead(status: number, statusText: string, rawHeaders: string[]): void {
    this.exchanger?.onHead(status, statusText, rawHeaders);
  }

  onBody(chunk: Buffer): void {
    this.exchanger?.onBody(chunk);
  }

  onComplete(reusable: boolean, keepAliveHintMs: number | undefined): void {
    const exchanger = this.exchanger;
    this.exchanger = undefined;
    this.uses++;
    // The app's own idle limit, less a margin so it never closes a connection we reuse.
    this.idleMs =
      keepAliveHintMs === undefined ? DEFAULT_IDLE_MS : Math.min(DEFAULT_IDLE_MS, keepAliveHintMs - 2_000);
    if (reusable && this.requestSent && this.idleMs > 0 && !this.socket.destroyed) {
      if (this.readingPaused) this.resumeReading();
      this.reusableNow = true;
    } else this.close();
    exchanger?.onComplete(reusable, keepAliveHintMs);
  }

  /** Called by the sweep: times out a stalled exchange or a connection idle too long. */
  sweep(now: number, timeoutMs: number): void {
    const since = now - this.lastActive;
    if (this.exchanger === undefined) {
      if (since > this.idleMs) this.close();
    } else if (!this.connected) {
      if (since > Math.min(CONNECT_TIMEOUT_MS, timeoutMs))
        this.fail('unreached', new Error(`no connection within ${Math.round(since / 1000)} s`));
    } else if (since > timeoutMs) {
      // Paused: the client has taken nothing for that long; it is cut off, like a silent app.
      this.fail(
        this.readingPaused ? 'broken' : 'timeout',
        new Error(
          `${this.readingPaused ? 'the client took nothing' : 'no answer'} for ${Math.round(since / 1000)} s`,
        ),
      );
    }
  }

  /** Closed before any byte of the answer, on a connection that had carried requests. */
  private staleClose(): boolean {
    return this.uses > 0 && !this.parser.started;
  }

  private fail(failure: UpstreamFailure, error: Error): void {
    const exchanger = this.exchanger;
    this.exchanger = undefined;
    this.reusableNow = false;
    this.close();
    exchanger?.onFailure(failure, error);
  }
}

/** The connections to one app server: idle ones reused last-in first-out, new ones on demand. */
export class UpstreamConnections {
  private readonly idle: UpstreamConnection[] = [];
  private readonly all = new Set<UpstreamConnection>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const connection of this.all) connection.sweep(now, this.timeoutMs);
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  /** A connection free to carry one request: the most recently used idle one, or a new one. */
  acquire(): UpstreamConnection {
    const now = Date.now();
    for (let reused = this.idle.pop(); reused !== undefined; reused = this.idle.pop()) {
      if (reused.usable(now)) return reused;
      reused.close();
    }
    const connection = new UpstreamConnection(this, this.host, this.port);
    this.all.add(connection);
    return connection;
  }

  release(connection: UpstreamConnection): void {
    this.idle.push(connection);
  }

  forget(connection: UpstreamConnection): void {
    this.all.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const connection of [...this.all]) connection.close();
  }
}

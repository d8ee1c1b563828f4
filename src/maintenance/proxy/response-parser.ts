// The app's answers, read off an upstream connection. The proxy speaks HTTP/1.1 to app
// servers it was configured with, one request at a time per connection, and needs only
// what a forwarding hop needs: the status, the header list, and where the body ends.
// Strict by design: anything that could make the proxy and the client disagree about where
// a response ends (obs-fold, stray control characters, Transfer-Encoding together with
// Content-Length, differing Content-Length values, a coding other than chunked) is an error,
// answered with 502 and the connection closed, never guessed at.

/** Where a parsed response goes; called in order: head, body chunks, complete. */
export interface ResponseSink {
  /** The final response head (1xx interim responses are read and skipped). */
  onHead(status: number, statusText: string, rawHeaders: string[]): void;
  /** A slice of the body, transfer coding removed. */
  onBody(chunk: Buffer): void;
  /** The response ended; `reusable` says whether the connection may carry another request. */
  onComplete(reusable: boolean, keepAliveHintMs: number | undefined): void;
}

/** The app broke HTTP/1.1 framing: the connection cannot be trusted any further. */
export class UpstreamProtocolError extends Error {
  readonly code = 'UPSTREAM_PROTOCOL';
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 4 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');
/** A reason phrase holds the same characters as a field value (no controls). */
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
/** A field name (a token), a colon, a value of visible ASCII, space, tab and obs-text only. */
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*$/;
/** What a trailer line must not hold: CR, LF, NUL and other controls. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,15})[ \t]*(?:;.*)?$/;

const enum State {
  Head,
  Sized,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
  Done,
}

/** The value after `from`, without the optional whitespace (space, tab) around it. */
function withoutOws(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return line.slice(start, end);
}

function fail(message: string): never {
  throw new UpstreamProtocolError(`upstream sent a malformed response: ${message}`);
}

/**
 * An incremental parser for one response at a time: `expect` before each request, then
 * `feed` every chunk the socket delivers and `end` at EOF. Throws UpstreamProtocolError.
 */
export class ResponseParser {
  private state = State.Done;
  private headRequest = false;
  private pending: Buffer | undefined;
  private remaining = 0;
  private reusable = false;
  private keepAliveHintMs: number | undefined;
  /** An interim (1xx) answer came: the app has the request. */
  private interim = false;
  /** Bytes of trailer lines read for the current answer (dropped, but bounded). */
  private trailerBytes = 0;

  constructor(private readonly sink: ResponseSink) {}

  /** Readies the parser for the answer to a request with `method`. */
  expect(method: string): void {
    this.state = State.Head;
    this.headRequest = method === 'HEAD';
    this.pending = undefined;
    this.interim = false;
    this.trailerBytes = 0;
  }

  /** Whether a response is being read (after `expect`, until complete). */
  get busy(): boolean {
    return this.state !== State.Done;
  }

  /** Whether any byte of the current response (an interim 1xx included) has arrived. */
  get started(): boolean {
    return this.state !== State.Head || this.pending !== undefined || this.interim;
  }

  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.state) {
        case State.Head:
          offset = this.readHead(chunk, offset);
          break;
        case State.Sized:
          offset = this.passBody(chunk, offset);
          if (this.remaining === 0) this.complete();
          break;
        case State.ChunkSize:
        case State.ChunkEnd:
        case State.Trailers:
          offset = this.readLine(chunk, offset);
          break;
        case State.ChunkData:
          offset = this.passBody(chunk, offset);
          if (this.remaining === 0) this.state = State.ChunkEnd;
          break;
        case State.UntilClose:
          this.sink.onBody(offset === 0 ? chunk : chunk.subarray(offset));
          return;
        case State.Done:
          fail('bytes after the end of the response');
      }
    }
  }

  /** The connection closed: completes a body delimited by the close, else it was cut short. */
  end(): void {
    if (this.state === State.UntilClose) {
      this.reusable = false;
      return this.complete();
    }
    if (this.state !== State.Done) fail('the connection closed before the response was complete');
  }

  /** Passes on up to `remaining` body bytes of `chunk` from `offset`; returns where it stopped. */
  private passBody(chunk: Buffer, offset: number): number {
    const take = Math.min(this.remaining, chunk.length - offset);
    this.remaining -= take;
    this.sink.onBody(chunk.subarray(offset, offset + take));
    return offset + take;
  }

  private readHead(chunk: Buffer, offset: number): number {
    const before = this.pending?.length ?? 0;
    const data =
      this.pending === undefined
        ? offset === 0
          ? chunk
          : chunk.subarray(offset)
        : Buffer.concat([this.pending, chunk.subarray(offset)]);
    const end = data.indexOf(CRLFCRLF, Math.max(0, before - 3));
    if (end < 0) {
      if (data.length > MAX_HEAD_BYTES) fail(`a response head longer than ${MAX_HEAD_BYTES} bytes`);
      // Kept as a copy: the socket's buffer is not ours to hold on to.
      this.pending = Buffer.from(data);
      return chunk.length;
    }
    if (end > MAX_HEAD_BYTES) fail(`a response head longer than ${MAX_HEAD_BYTES} bytes`);
    this.pending = undefined;
    this.parseHead(data.toString('latin1', 0, end));
    // Where the head ended, counted in `chunk`.
    return offset + (end + 4 - before);
  }

  private parseHead(text: string): void {
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const statusLine = text.slice(0, eol);
    const status = STATUS_LINE.exec(statusLine);
    if (!status) fail(`a status line of ${JSON.stringify(statusLine.slice(0, 80))}`);
    const http11 = status[1] === '1';
    const code = Number(status[2]);
    const raw: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let close = !http11;
    this.keepAliveHintMs = undefined;
    for (let start = eol + 2; start < text.length; start = eol + 2) {
      eol = text.indexOf('\r\n', start);
      if (eol < 0) eol = text.length;
      const line = text.slice(start, eol);
      // One test for the whole line: a token, a colon, then only characters a value may hold.
      if (!HEADER_LINE.test(line)) fail(`a header line of ${JSON.stringify(line.slice(0, 80))}`);
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      const value = withoutOws(line, colon + 1);
      // The framing headers, recognised by length first: most headers are none of them.
      const lower = name.length === 14 || name.length === 17 || name.length === 10 ? name.toLowerCase() : '';
      if (lower === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) fail(`Content-Length: ${JSON.stringify(value.slice(0, 40))}`);
        const length = Number(value);
        if (contentLength >= 0 && contentLength !== length) fail('two different Content-Length values');
        // The same length twice: passed on once (a client would refuse the repetition).
        if (contentLength >= 0) continue;
        contentLength = length;
      } else if (lower === 'transfer-encoding') {
        if (transferEncoding || value.toLowerCase() !== 'chunked')
          fail(`Transfer-Encoding: ${JSON.stringify(value.slice(0, 40))} (only chunked is accepted)`);
        transferEncoding = chunked = true;
      } else if (lower === 'connection') {
        const tokens = value.toLowerCase();
        if (tokens.includes('close')) close = true;
        else if (!http11 && tokens.includes('keep-alive')) close = false;
      } else if (lower === 'keep-alive') {
        const timeout = /(?:^|[\s,])timeout=(\d+)/i.exec(value);
        if (timeout) this.keepAliveHintMs = Number(timeout[1]) * 1000;
      }
      raw.push(name, value);
    }
    if (chunked && contentLength >= 0) fail('both Transfer-Encoding and Content-Length');
    // Interim answers (100 Continue, 103 Early Hints): the final one follows on this connection.
    if (code < 200) {
      if (code === 101) fail('101 Switching Protocols to a request that asked for no upgrade');
      this.interim = true;
      return;
    }
    this.reusable = !close;
    this.sink.onHead(code, status[3] ?? '', raw);
    if (this.headRequest || code === 204 || code === 304) return this.complete();
    if (chunked) this.state = State.ChunkSize;
    else if (contentLength >= 0) {
      this.remaining = contentLength;
      if (contentLength === 0) return this.complete();
      this.state = State.Sized;
    } else {
      this.reusable = false;
      this.state = State.UntilClose;
    }
  }

  /** Chunk-size lines, the CRLF after each chunk's data, and trailer lines (dropped). */
  private readLine(chunk: Buffer, offset: number): number {
    const before = this.pending?.length ?? 0;
    const lf = chunk.indexOf(10, offset);
    if (lf < 0) {
      if (before + chunk.length - offset > MAX_LINE_BYTES) fail('a chunk line longer than 4 KB');
      this.pending =
        this.pending === undefined
          ? Buffer.from(chunk.subarray(offset))
          : Buffer.concat([this.pending, chunk.subarray(offset)]);
      return chunk.length;
    }
    if (before + lf - offset > MAX_LINE_BYTES) fail('a chunk line longer than 4 KB');
    let line =
      this.pending === undefined
        ? chunk.toString('latin1', offset, lf)
        : Buffer.concat([this.pending, chunk.subarray(offset, lf)]).toString('latin1');
    this.pending = undefined;
    if (!line.endsWith('\r')) fail('a bare LF in the chunked body');
    line = line.slice(0, -1);
    if (this.state === State.ChunkEnd) {
      if (line !== '') fail('chunk data longer than its size');
      this.state = State.ChunkSize;
    } else if (this.state === State.ChunkSize) {
      const size = CHUNK_SIZE.exec(line);
      if (!size) fail(`a chunk size of ${JSON.stringify(line.slice(0, 40))}`);
      this.remaining = Number.parseInt(size[1] as string, 16);
      this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    } else if (line === '') this.complete();
    else if (BAD_VALUE.test(line) || line.indexOf(':') <= 0) fail('a malformed trailer line');
    else if ((this.trailerBytes += line.length) > MAX_HEAD_BYTES)
      fail(`trailers longer than ${MAX_HEAD_BYTES} bytes`);
    return lf + 1;
  }

  private complete(): void {
    this.state = State.Done;
    this.sink.onComplete(this.reusable, this.keepAliveHintMs);
  }
}

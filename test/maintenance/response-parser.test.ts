import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ResponseParser, UpstreamProtocolError } from '../../src/maintenance/proxy/response-parser.ts';

interface Parsed {
  heads: { status: number; statusText: string; headers: string[] }[];
  body: Buffer;
  completions: { reusable: boolean; hint: number | undefined }[];
}

/** Feeds `bytes` cut at `cuts` (offsets) and ends with EOF if `eof`. */
function parse(method: string, bytes: Buffer, cuts: number[], eof = false): Parsed {
  const parsed: Parsed = { heads: [], body: Buffer.alloc(0), completions: [] };
  const bodies: Buffer[] = [];
  const parser = new ResponseParser({
    onHead: (status, statusText, headers) => parsed.heads.push({ status, statusText, headers }),
    onBody: (chunk) => bodies.push(Buffer.from(chunk)),
    onComplete: (reusable, hint) => parsed.completions.push({ reusable, hint }),
  });
  parser.expect(method);
  let at = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    parser.feed(bytes.subarray(at, cut));
    at = cut;
  }
  if (at < bytes.length) parser.feed(bytes.subarray(at));
  if (eof) parser.end();
  parsed.body = Buffer.concat(bodies);
  return parsed;
}

type Framing = 'length' | 'chunked' | 'close';
interface Model {
  status: number;
  reason: string;
  headers: [string, string][];
  body: Buffer;
  framing: Framing;
  chunkSizes: number[];
  interim: boolean;
  connectionClose: boolean;
  head: boolean;
}

const token = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
  .filter((name) => !/^(content-length|transfer-encoding|connection|keep-alive)$/i.test(name));
const value = fc.stringMatching(/^[!-~]([ !-~]{0,30}[!-~])?$/);

const model: fc.Arbitrary<Model> = fc.record({
  status: fc.constantFrom(200, 201, 204, 206, 301, 304, 400, 404, 500, 503),
  reason: fc.constantFrom('OK', 'Not Found', 'Some Reason', ''),
  headers: fc.array(fc.tuple(token, value), { maxLength: 8 }),
  body: fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
  framing: fc.constantFrom<Framing>('length', 'chunked', 'close'),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }),
  interim: fc.boolean(),
  connectionClose: fc.boolean(),
  head: fc.boolean(),
});

const noBody = (m: Model) => m.head || m.status === 204 || m.status === 304;

function serialize(m: Model): Buffer {
  const parts: Buffer[] = [];
  if (m.interim) parts.push(Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'));
  let head = `HTTP/1.1 ${m.status}${m.reason === '' ? '' : ` ${m.reason}`}\r\n`;
  for (const [name, v] of m.headers) head += `${name}:${v.length % 2 ? ' ' : ''}${v}\r\n`;
  if (m.connectionClose) head += 'Connection: close\r\n';
  const body = noBody(m) ? Buffer.alloc(0) : m.body;
  if (m.framing === 'length') head += `Content-Length: ${m.head ? m.body.length : body.length}\r\n`;
  if (m.framing === 'chunked') head += 'Transfer-Encoding: chunked\r\n';
  parts.push(Buffer.from(`${head}\r\n`, 'latin1'));
  if (m.framing === 'chunked' && !noBody(m)) {
    let at = 0;
    let i = 0;
    while (at < body.length) {
      const size = Math.min(m.chunkSizes[i++ % m.chunkSizes.length] as number, body.length - at);
      parts.push(Buffer.from(`${size.toString(16)}${i % 3 === 0 ? ';ext=1' : ''}\r\n`));
      parts.push(body.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    parts.push(Buffer.from(i % 2 ? '0\r\nX-Trailer: t\r\n\r\n' : '0\r\n\r\n'));
  } else if (!noBody(m)) parts.push(body);
  return Buffer.concat(parts);
}

test('any well-formed response, however the network cuts it, gives back its status, headers, body and reusability', () => {
  fc.assert(
    fc.property(model, fc.array(fc.nat(8000), { maxLength: 12 }), (m, cuts) => {
      const bytes = serialize(m);
      const delimitedByClose = m.framing === 'close' && !noBody(m);
      const parsed = parse(m.head ? 'HEAD' : 'GET', bytes, cuts, delimitedByClose);
      assert.equal(parsed.heads.length, 1, 'one final head (interim 1xx skipped)');
      const head = parsed.heads[0] as Parsed['heads'][number];
      assert.equal(head.status, m.status);
      assert.equal(head.statusText, m.reason);
      const names = head.headers.filter((_, i) => i % 2 === 0);
      const values = head.headers.filter((_, i) => i % 2 === 1);
      assert.deepEqual(
        m.headers.map(([n, v]) => [n, v]),
        names.map((n, i) => [n, values[i]]).slice(0, m.headers.length),
      );
      assert.deepEqual(parsed.body, noBody(m) ? Buffer.alloc(0) : m.body);
      assert.deepEqual(
        parsed.completions.map((c) => c.reusable),
        [!m.connectionClose && !delimitedByClose],
      );
    }),
    { numRuns: 400 },
  );
});

test('the parser is reused for the next answer on a kept-alive connection', () => {
  const events: string[] = [];
  const parser = new ResponseParser({
    onHead: (status) => events.push(`head ${status}`),
    onBody: (chunk) => events.push(`body ${chunk.toString()}`),
    onComplete: (reusable, hint) => events.push(`done ${reusable} ${hint}`),
  });
  parser.expect('GET');
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nhi'));
  assert.equal(parser.busy, false);
  parser.expect('GET');
  assert.equal(parser.started, false);
  parser.feed(Buffer.from('HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
  assert.deepEqual(events, ['head 200', 'body hi', 'done true 5000', 'head 404', 'done false undefined']);
});

const MALFORMED: [string, string, boolean?][] = [
  ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\nContent-Length: 0\r\n\r\n'],
  ['a control character in a value', 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n'],
  ['a bare LF inside the head', 'HTTP/1.1 200 OK\r\nX-A: a\nX-B: b\r\nContent-Length: 0\r\n\r\n'],
  ['a space before the colon', 'HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n'],
  ['both framing headers', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ['two lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
  ['a signed length', 'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc'],
  ['a coding other than chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
  ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'],
  [
    'chunk data longer than announced',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
  ],
  ['a bare LF after a chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n'],
  ['bytes after the response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab'],
  ['not HTTP/1.x', 'HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n'],
  ['a control character in the reason', 'HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n'],
  ['a status beyond 5xx', 'HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n'],
  ['a two-digit status', 'HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n'],
  ['an unasked-for upgrade', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
  ['a body cut short by the close', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', true],
  ['a head cut short by the close', 'HTTP/1.1 200 OK\r\nContent-Le', true],
  ['a head that never ends', `HTTP/1.1 200 OK\r\n${'X-Long: aaaaaaaaaaaaaaaaaaaa\r\n'.repeat(3000)}`],
];

test('the same Content-Length twice is passed on once; an interim answer counts as started', () => {
  const parsed = parse(
    'GET',
    Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok'),
    [],
  );
  assert.deepEqual(parsed.heads[0]?.headers, ['Content-Length', '2']);
  assert.equal(parsed.body.toString(), 'ok');
  const parser = new ResponseParser({ onHead: () => {}, onBody: () => {}, onComplete: () => {} });
  parser.expect('GET');
  assert.equal(parser.started, false);
  parser.feed(Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n'));
  assert.equal(parser.started, true, 'the app has the request: a close now is no stale connection');
});

test('broken framing is refused, wherever the bytes are cut', () => {
  for (const [what, text, eof] of MALFORMED) {
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 4 }), (cuts) => {
        assert.throws(
          () => parse('GET', Buffer.from(text, 'latin1'), cuts, eof),
          (error: Error) =>
            error instanceof UpstreamProtocolError && /malformed response/.test(error.message),
          what,
        );
      }),
      { numRuns: 30 },
    );
  }
});

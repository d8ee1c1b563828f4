import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { LONG_CACHE, SHORT_CACHE, StatusSiteServer, sitePathOf } from '../../src/status/serve.ts';
import { generateSite } from '../../src/status/site/generate-site.ts';
import { syntheticSnapshot } from '../../src/status/site/synthetic-snapshot.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request: fetch would normalise "../" away and decompress by itself. */
function get(
  address: string,
  target: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path: target, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('vigil status-site serve', () => {
  let siteDir: string;
  let server: StatusSiteServer;
  let address: string;
  const snapshot = syntheticSnapshot({ components: 6, incidents: 30 });

  before(async () => {
    siteDir = await mkdtemp(path.join(tmpdir(), 'vigil-site-serve-'));
    await generateSite(siteDir, snapshot);
    server = new StatusSiteServer({ siteDir });
    address = await server.listen('127.0.0.1', 0);
  });
  after(async () => {
    await server.close();
    await rm(siteDir, { recursive: true, force: true });
  });

  test('serves pages with content type, ETag and short cache; 304 on a matching If-None-Match', async () => {
    const home = await get(address, '/');
    assert.equal(home.status, 200);
    assert.equal(home.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(home.headers['cache-control'], SHORT_CACHE);
    assert.equal(home.headers.vary, 'Accept-Encoding');
    assert.match(home.body.toString(), /Example Status/);
    const etag = String(home.headers.etag);
    assert.match(etag, /^"[^"]+"$/);
    const again = await get(address, '/index.html', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal((await get(address, '/index.html', { 'if-none-match': '"other"' })).status, 200);
    const json = await get(address, '/api/v2/summary.json');
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(
      (await get(address, '/feed.atom')).headers['content-type'],
      'application/atom+xml; charset=utf-8',
    );
    const css = /href="(assets\/site\.[0-9a-f]+\.css)"/.exec(home.body.toString())?.[1];
    assert.ok(css);
    assert.equal((await get(address, `/${css}`)).headers['cache-control'], LONG_CACHE);
  });

  test('brotli or gzip from the precompressed files, by Accept-Encoding; HEAD has no body', async () => {
    const plain = await get(address, '/index.html');
    const br = await get(address, '/index.html', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(brotliDecompressSync(br.body), plain.body);
    assert.notEqual(br.headers.etag, plain.headers.etag, 'each encoding has its own ETag');
    assert.equal(
      (
        await get(address, '/index.html', {
          'accept-encoding': 'br',
          'if-none-match': String(br.headers.etag),
        })
      ).status,
      304,
    );
    const gz = await get(address, '/index.html', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), plain.body);
    assert.equal(
      (await get(address, '/index.html', { 'accept-encoding': 'br;q=0, gzip' })).headers['content-encoding'],
      'gzip',
    );
    const head = await get(address, '/index.html', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(plain.body.length));
    assert.equal((await get(address, '/index.html', {}, 'POST')).status, 405);
  });

  test('nothing outside the live generation: traversal, dot files and publish state answer 404', async () => {
    for (const target of [
      '/../publish-status.json',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2fcurrent/index.html',
      '/incidents/..%2F..%2Fpublish-status.json',
      '/.git/config',
      '/index.html.br',
      '/no-such-page.html',
      '/%zz',
    ]) {
      const answer = await get(address, target);
      assert.equal(answer.status, 404, target);
    }
    assert.equal(sitePathOf('/a/../b'), undefined);
    assert.equal(sitePathOf('/incidents/'), 'incidents/index.html');
  });

  test('follows a regeneration: the next request sees the new generation', async () => {
    const before = await get(address, '/api/v2/status.json');
    await generateSite(siteDir, {
      ...snapshot,
      overall: 'major_outage',
      generatedAt: snapshot.generatedAt + 1,
    });
    const afterSwap = await get(address, '/api/v2/status.json');
    assert.notDeepEqual(afterSwap.body, before.body);
    assert.equal(JSON.parse(afterSwap.body.toString()).status.indicator, 'critical');
    assert.equal(
      (await get(address, '/api/v2/status.json', { 'if-none-match': String(before.headers.etag) })).status,
      200,
    );
  });
});

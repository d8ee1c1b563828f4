import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { readPublishStatus } from '../../src/status/publish/publish-state.ts';
import { type ConfiguredPublisher, publishOnce, SitePublishing } from '../../src/status/publish/runner.ts';
import { signRequest } from '../../src/status/publish/sigv4.ts';
import { generateSite } from '../../src/status/site/generate-site.ts';
import { syntheticSnapshot } from '../../src/status/site/synthetic-snapshot.ts';
import type { StatusSnapshot } from '../../src/status/snapshot.ts';
import { freePort } from '../helpers/local-servers.ts';

const dirs: string[] = [];
const servers: Server[] = [];
after(async () => {
  for (const server of servers) server.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-publish-'));
  dirs.push(dir);
  return dir;
}

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}

function bodyOf(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const snapshot = syntheticSnapshot({ components: 3, incidents: 12 });
const changedSnapshot: StatusSnapshot = {
  ...snapshot,
  overall: 'major_outage',
  generatedAt: snapshot.generatedAt + 60_000,
};

async function twoGenerations(): Promise<{ siteDir: string; first: string; second: () => Promise<string> }> {
  const siteDir = await tempDir();
  const first = (await generateSite(siteDir, snapshot)).dir;
  return { siteDir, first, second: async () => (await generateSite(siteDir, changedSnapshot)).dir };
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A tiny S3: checks the SigV4 header's shape and the payload hash, stores objects by key. */
async function s3Server(accessKey: string) {
  const objects = new Map<string, Buffer>();
  const puts: string[] = [];
  const rejected: string[] = [];
  const url = await listen(
    createServer(async (request, response) => {
      const body = await bodyOf(request);
      const auth = String(request.headers.authorization ?? '');
      const shape =
        /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/s3\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
          auth,
        );
      const date = String(request.headers['x-amz-date'] ?? '');
      if (
        !shape ||
        shape[1] !== accessKey ||
        !/^\d{8}T\d{6}Z$/.test(date) ||
        shape[2] !== date.slice(0, 8) ||
        !shape[4]?.split(';').includes('host') ||
        request.headers['x-amz-content-sha256'] !== sha256(body)
      ) {
        rejected.push(`${request.method} ${request.url}`);
        response.writeHead(403).end('<Error><Code>InvalidAccessKeyId</Code></Error>');
        return;
      }
      const key = decodeURIComponent(request.url ?? '');
      if (request.method === 'PUT') {
        objects.set(key, body);
        puts.push(key);
        response.writeHead(200).end();
      } else if (request.method === 'DELETE') {
        objects.delete(key);
        response.writeHead(204).end();
      } else response.writeHead(405).end();
    }),
  );
  return { url, objects, puts, rejected };
}

describe('status site publishers', () => {
  test('SigV4 signs the AWS documentation example exactly', () => {
    const headers = signRequest(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        headers: { range: 'bytes=0-9' },
        payloadHash: sha256(''),
      },
      {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
      },
      Date.UTC(2013, 4, 24),
    );
    assert.equal(
      headers.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  test('s3: uploads every file once, then only the changed ones; rejected credentials leave the bucket as it was', async () => {
    const s3 = await s3Server('VIGILKEY');
    const { siteDir, first, second } = await twoGenerations();
    const publisher: ConfiguredPublisher = {
      name: 'bucket',
      kind: 's3',
      settings: {
        endpoint: s3.url,
        bucket: 'status',
        region: 'eu-central-1',
        prefix: 'site/',
        access_key_id: 'VIGILKEY',
        secret_access_key: 'secret',
        virtual_host: false,
      },
    };
    const result = await publishOnce(siteDir, publisher, first, AbortSignal.timeout(30_000));
    assert.equal(result.uploaded, s3.objects.size);
    assert.ok(s3.objects.has('/status/site/index.html'));
    assert.ok(s3.objects.has('/status/site/incidents/1.html'));
    assert.equal(s3.puts.at(-1), '/status/site/index.html', 'the home page goes last');
    assert.deepEqual(
      s3.objects.get('/status/site/api/v2/summary.json'),
      await readFile(path.join(first, 'api/v2/summary.json')),
    );

    s3.puts.length = 0;
    const newer = await second();
    const wrong = { ...publisher, settings: { ...(publisher.settings as object), access_key_id: 'WRONG' } };
    await assert.rejects(publishOnce(siteDir, wrong, newer, AbortSignal.timeout(30_000)), /403/);
    assert.deepEqual(
      s3.objects.get('/status/site/index.html'),
      await readFile(path.join(first, 'index.html')),
      'the previous site stays',
    );
    const status = (await readPublishStatus(siteDir)).bucket;
    assert.ok(status?.lastFailureAt && status.lastSuccessAt && status.consecutiveFailures === 1);
    assert.match(status.lastError ?? '', /403/);

    const again = await publishOnce(siteDir, publisher, newer, AbortSignal.timeout(30_000));
    assert.ok(again.uploaded > 0 && again.uploaded < 20, `only changed files go out (${again.uploaded})`);
    assert.ok(
      !s3.puts.includes('/status/site/incidents/5.html'),
      'an unchanged incident page is not uploaded again',
    );
    assert.deepEqual(
      s3.objects.get('/status/site/index.html'),
      await readFile(path.join(newer, 'index.html')),
    );
    assert.equal((await readPublishStatus(siteDir)).bucket?.consecutiveFailures, 0);
  });

  test('webdav: MKCOL for new folders, PUT for files; an unreachable server fails loudly', async () => {
    const collections = new Set<string>(['/dav']);
    const files = new Map<string, Buffer>();
    const url = await listen(
      createServer(async (request, response) => {
        const body = await bodyOf(request);
        if (request.headers.authorization !== `Basic ${Buffer.from('vigil:pw').toString('base64')}`) {
          response.writeHead(401).end();
          return;
        }
        const target = decodeURIComponent(request.url ?? '').replace(/\/$/, '');
        const parent = target.slice(0, target.lastIndexOf('/'));
        if (request.method === 'MKCOL') {
          if (collections.has(target)) return void response.writeHead(405).end();
          if (!collections.has(parent)) return void response.writeHead(409).end();
          collections.add(target);
          response.writeHead(201).end();
        } else if (request.method === 'PUT') {
          // Real WebDAV servers refuse a PUT into a folder that does not exist.
          if (!collections.has(parent)) return void response.writeHead(409).end();
          files.set(target, body);
          response.writeHead(201).end();
        } else if (request.method === 'DELETE') {
          files.delete(target);
          response.writeHead(204).end();
        } else response.writeHead(405).end();
      }),
    );
    const { siteDir, first } = await twoGenerations();
    const passwordFile = path.join(siteDir, 'dav-password');
    await writeFile(passwordFile, 'pw\n');
    const publisher: ConfiguredPublisher = {
      name: 'dav',
      kind: 'webdav',
      settings: { url: `${url}/dav/`, username: 'vigil', password_file: passwordFile },
    };
    await publishOnce(siteDir, publisher, first, AbortSignal.timeout(30_000));
    assert.ok(collections.has('/dav/api/v2') && collections.has('/dav/incidents'));
    assert.deepEqual(
      files.get('/dav/api/v2/status.json'),
      await readFile(path.join(first, 'api/v2/status.json')),
    );

    const down: ConfiguredPublisher = {
      name: 'down',
      kind: 'webdav',
      settings: { url: `http://127.0.0.1:${await freePort()}/dav/` },
    };
    await assert.rejects(publishOnce(siteDir, down, first, AbortSignal.timeout(30_000)), /ECONNREFUSED/);
    assert.match((await readPublishStatus(siteDir)).down?.lastError ?? '', /ECONNREFUSED/);
  });

  test('git: commits the site into a branch of a bare repository and pushes; only changes make a commit', async () => {
    const bare = path.join(await tempDir(), 'status.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    const { siteDir, first, second } = await twoGenerations();
    const publisher: ConfiguredPublisher = {
      name: 'pages',
      kind: 'git',
      settings: {
        repository: bare,
        branch: 'gh-pages',
        keep: ['CNAME'],
        author_name: 'Vigil',
        author_email: 'vigil@localhost',
        message: 'Status site update',
      },
    };
    await publishOnce(siteDir, publisher, first, AbortSignal.timeout(60_000));
    const show = (file: string) => execFileSync('git', ['--git-dir', bare, 'show', `gh-pages:${file}`]);
    assert.deepEqual(show('index.html'), await readFile(path.join(first, 'index.html')));
    assert.deepEqual(show('incidents/3.html'), await readFile(path.join(first, 'incidents/3.html')));
    const commits = () =>
      execFileSync('git', ['--git-dir', bare, 'rev-list', '--count', 'gh-pages']).toString().trim();
    assert.equal(commits(), '1');

    await publishOnce(siteDir, publisher, first, AbortSignal.timeout(60_000));
    assert.equal(commits(), '1', 'publishing the same site again makes no commit');
    const result = await publishOnce(siteDir, publisher, await second(), AbortSignal.timeout(60_000));
    assert.equal(commits(), '2');
    assert.ok(result.uploaded > 0 && result.uploaded < 20, `changed files only (${result.uploaded})`);

    const missing: ConfiguredPublisher = {
      ...publisher,
      name: 'missing',
      settings: { ...(publisher.settings as object), repository: path.join(bare, 'nope.git') },
    };
    await assert.rejects(publishOnce(siteDir, missing, first, AbortSignal.timeout(60_000)), /git ls-remote/);
  });

  test('directory: a copy that only rewrites changed files and removes what the site dropped', async () => {
    const { siteDir, first, second } = await twoGenerations();
    const target = path.join(await tempDir(), 'www');
    const publisher: ConfiguredPublisher = { name: 'www', kind: 'directory', settings: { path: target } };
    const one = await publishOnce(siteDir, publisher, first, AbortSignal.timeout(30_000));
    assert.ok(one.uploaded > 15);
    assert.deepEqual(
      await readFile(path.join(target, 'feed.atom')),
      await readFile(path.join(first, 'feed.atom')),
    );
    const two = await publishOnce(siteDir, publisher, await second(), AbortSignal.timeout(30_000));
    assert.ok(two.uploaded < one.uploaded / 2, `${two.uploaded} rewritten`);
  });

  test('a failing publisher is retried with backoff until it succeeds, and counted', async () => {
    let failuresLeft = 2;
    const received = new Set<string>();
    const url = await listen(
      createServer(async (request, response) => {
        await bodyOf(request);
        if (failuresLeft > 0 && request.url?.endsWith('index.html')) {
          failuresLeft--;
          response.writeHead(503).end('busy');
          return;
        }
        received.add(String(request.url));
        response.writeHead(201).end();
      }),
    );
    const { siteDir, first } = await twoGenerations();
    const errors: string[] = [];
    const publishing = new SitePublishing(
      siteDir,
      { info: () => {}, error: (_o, message) => errors.push(message) },
      { firstDelayMs: 20, maxDelayMs: 100 },
    );
    publishing.offer(first, [{ name: 'flaky', kind: 'webdav', settings: { url: `${url}/` } }]);
    const deadline = Date.now() + 20_000;
    while ((publishing.counters().get('flaky')?.successes ?? 0) === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    publishing.stop();
    const counters = publishing.counters().get('flaky');
    assert.equal(counters?.successes, 1);
    assert.equal(counters?.failures, 2);
    assert.equal(errors.length, 2);
    assert.match(errors[0] ?? '', /failed; the previous site stays there, retrying/);
    assert.ok(received.has('/index.html'));
    assert.equal((await readPublishStatus(siteDir)).flaky?.consecutiveFailures, 0);
  });
});

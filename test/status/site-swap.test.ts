import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { generateSite } from '../../src/status/site/generate-site.ts';
import { currentGeneration, writeGeneration } from '../../src/status/site/generation-writer.ts';
import { syntheticSnapshot } from '../../src/status/site/synthetic-snapshot.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-site-swap-'));
  dirs.push(dir);
  return dir;
}

describe('status site generations', () => {
  test('a reader never sees a half-written site while generations are swapped', async () => {
    const siteDir = await tempDir();
    const base = syntheticSnapshot({ components: 6, incidents: 40 });
    await generateSite(siteDir, { ...base, title: 'Generation 0' });
    let stop = false;
    let reads = 0;
    const seen = new Set<string>();
    const reader = (async () => {
      while (!stop) {
        // What a server does: resolve `current` once, then read the files of that generation.
        const generation = path.resolve(siteDir, await readlink(path.join(siteDir, 'current')));
        const home = await readFile(path.join(generation, 'index.html'), 'utf8');
        const summary = JSON.parse(await readFile(path.join(generation, 'api/v2/summary.json'), 'utf8'));
        const title = /<title>([^<]*)<\/title>/.exec(home)?.[1];
        assert.equal(title, summary.page.name, 'home page and JSON come from the same generation');
        assert.ok(home.trimEnd().endsWith('</html>'), 'the home page is complete');
        seen.add(summary.page.name);
        reads++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let n = 1; n <= 5; n++)
      await generateSite(siteDir, { ...base, title: `Generation ${n}`, generatedAt: base.generatedAt + n });
    stop = true;
    await reader;
    assert.ok(reads > 5, `only ${reads} reads`);
    assert.ok(seen.has('Generation 5') || seen.size > 1, 'the reader followed the swaps');
    // The live generation and the one before it are kept; older ones are gone.
    const kept = (await readdir(path.join(siteDir, 'generations'))).filter((e) => !e.startsWith('.'));
    assert.equal(kept.length, 2);
  });

  test('an unchanged snapshot is not generated again; a changed one is, reusing unchanged files', async () => {
    const siteDir = await tempDir();
    const snapshot = syntheticSnapshot({ components: 4, incidents: 30 });
    const first = await generateSite(siteDir, snapshot);
    assert.equal(first.changed, true);
    const again = await generateSite(siteDir, { ...snapshot, generatedAt: snapshot.generatedAt + 60_000 });
    assert.equal(again.changed, false, 'only the generation time differs');
    assert.equal(await currentGeneration(siteDir), first.dir);
    const changed = await generateSite(siteDir, {
      ...snapshot,
      overall: 'major_outage',
      generatedAt: snapshot.generatedAt + 120_000,
    });
    assert.equal(changed.changed, true);
    assert.ok(changed.reused >= 30, `incident pages are linked, not rewritten (reused ${changed.reused})`);
    assert.match(await readFile(path.join(siteDir, 'current', 'index.html'), 'utf8'), /Major system outage/);
  });

  test('a generation that fails half-way leaves the previous site live', async () => {
    const siteDir = await tempDir();
    const good = await generateSite(siteDir, syntheticSnapshot({ components: 2, incidents: 3 }));
    // "a" cannot be a file and a folder at once: the write fails after some files are written.
    const broken = new Map<string, string>([
      ['index.html', 'half'],
      ['a', 'file'],
      ['a/b.html', 'child'],
    ]);
    await assert.rejects(writeGeneration(siteDir, 'broken', broken));
    assert.equal(await currentGeneration(siteDir), good.dir);
    assert.doesNotMatch(await readFile(path.join(siteDir, 'current', 'index.html'), 'utf8'), /^half$/);
    assert.deepEqual(
      (await readdir(path.join(siteDir, 'generations'))).filter((e) => e.includes('broken')),
      [],
      'the half-written generation is removed',
    );
    await assert.rejects(
      writeGeneration(siteDir, 'escape', new Map([['../outside.html', 'x']])),
      /would leave the site directory/,
    );
  });
});

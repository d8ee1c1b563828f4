// Compiles the plugin co-process (src/checks/plugin/vigil-spawn.c) to build/vigil-spawn.
// Run by npm's `install` script; plugin checks cannot run without it.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/checks/plugin/vigil-spawn.c');
const output = join(root, 'build/vigil-spawn');
const compiler = process.env.CC || 'cc';

mkdirSync(dirname(output), { recursive: true });
const result = spawnSync(compiler, ['-O2', '-Wall', '-Wextra', '-o', output, source], { stdio: 'inherit' });

if (result.error) {
  const reason = result.error.code === 'ENOENT' ? 'not found' : result.error.message;
  console.error(
    `build-spawner: C compiler "${compiler}" ${reason}. Vigil needs a C compiler to build its ` +
      'plugin runner: install one (Debian/Ubuntu: apt-get install gcc; Alpine: apk add build-base) ' +
      'or set CC, then run `node scripts/build-spawner.mjs`.',
  );
  process.exit(1);
}
if (result.status !== 0) {
  console.error(`build-spawner: compiling ${source} failed (exit ${result.status ?? result.signal}).`);
  process.exit(1);
}
console.log(`build-spawner: built ${output}`);

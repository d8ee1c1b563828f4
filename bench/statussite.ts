// Status site benchmark: generates the site for 50 components and 1,000 incidents (a synthetic
// snapshot), serves it with `vigil status-site serve` in its own process, and loads it with wrk
// from another process on loopback: a mix of the home page, summary.json and an incident page,
// with gzip accepted as browsers do.
//
//   npm run bench -- statussite [--components 50] [--incidents 1000] [--seconds 10] [--connections 64]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateSite } from '../src/status/site/generate-site.ts';
import { syntheticSnapshot } from '../src/status/site/synthetic-snapshot.ts';
import { freePort } from '../test/helpers/local-servers.ts';
import { runWrk } from './wrk.ts';

const MIX = `local paths = { "/", "/api/v2/summary.json", "/incidents/42.html", "/index.html" }
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Accept-Encoding"] = "gzip" })
end
`;

async function waitForHttp(port: number): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/index.html`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`status-site serve did not answer on port ${port} within 60 s`);
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      components: { type: 'string', default: '50' },
      incidents: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '64' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- statussite [--components N] [--incidents N] [--seconds S] [--connections C]\n',
    );
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-statussite-'));
  let server: ChildProcess | undefined;
  try {
    const snapshot = syntheticSnapshot({
      components: Number(values.components),
      incidents: Number(values.incidents),
    });
    process.stderr.write(`generating ${values.components} components, ${values.incidents} incidents...\n`);
    const started = performance.now();
    const generated = await generateSite(dir, snapshot);
    const generateMs = Math.round(performance.now() - started);
    const pageBytes = (await stat(path.join(generated.dir, 'index.html'))).size;
    process.stderr.write(
      `generated ${generated.files} files in ${generateMs} ms; index.html ${pageBytes} bytes\n`,
    );

    const port = await freePort();
    server = spawn(
      process.execPath,
      [
        path.resolve(import.meta.dirname, '../bin/vigil.js'),
        'status-site',
        'serve',
        '--dir',
        dir,
        '--listen',
        `127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    await waitForHttp(port);
    const script = path.join(dir, 'mix.lua');
    await writeFile(script, MIX);
    process.stderr.write('warming up for 2 s...\n');
    await runWrk(`http://127.0.0.1:${port}`, 2, Number(values.connections), script);
    process.stderr.write(`loading for ${values.seconds} s with ${values.connections} connections...\n`);
    const result = await runWrk(
      `http://127.0.0.1:${port}`,
      Number(values.seconds),
      Number(values.connections),
      script,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'statussite',
        components: Number(values.components),
        incidents: Number(values.incidents),
        generate_ms: generateMs,
        req_per_s: result.reqPerS,
        p99_ms: result.p99Ms,
        errors: result.errors,
        page_bytes: pageBytes,
      })}\n`,
    );
  } finally {
    server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

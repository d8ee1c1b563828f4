// `npm run bench -- NAME [options]`: runs one benchmark; each prints one JSON line last.
const benches: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  alerting: () => import('./alerting.ts'),
  engine: () => import('./engine.ts'),
  noise: () => import('./noise.ts'),
  startup: () => import('./startup.ts'),
  checks: () => import('./checks.ts'),
  topology: () => import('./topology.ts'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  process.stderr.write(
    `usage: npm run bench -- NAME [options]\nbenchmarks: ${Object.keys(benches).join(', ')}\n`,
  );
  process.exit(name === '--help' || name === '-h' ? 0 : 2);
}
await (await load()).main(rest);

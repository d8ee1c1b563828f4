// `npm run bench -- NAME [options]`: runs one benchmark; each prints one JSON line last.
const benches: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  alerting: () => import('./alerting.ts'),
  api: () => import('./api.ts'),
  availability: () => import('./availability.ts'),
  engine: () => import('./engine.ts'),
  maintenance: () => import('./maintenance.ts'),
  noise: () => import('./noise.ts'),
  proxy: () => import('./proxy.ts'),
  startup: () => import('./startup.ts'),
  checks: () => import('./checks.ts'),
  'dashboard-page': () => import('./dashboard-page.ts'),
  statussite: () => import('./statussite.ts'),
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

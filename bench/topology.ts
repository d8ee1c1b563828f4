// Topology benchmark: root-cause analysis on a generated datacenter network.
//
//   npm run bench -- topology [--hosts 10000] [--services 100000] [--updates 20000]
import { parseArgs } from 'node:util';
import { HOST_FAILING } from '../src/model/state-codes.ts';
import { compileTopology, type RequirementSpec } from '../src/topology/graph.ts';
import { analyse, emptyStates, topologicalPositions, updateAnalysis } from '../src/topology/root-cause.ts';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '10000' },
      services: { type: 'string', default: '100000' },
      updates: { type: 'string', default: '20000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run bench -- topology [--hosts N] [--services N] [--updates N]\n');
    return;
  }
  const hostCount = Number(values.hosts);
  const serviceCount = Number(values.services);
  const updates = Number(values.updates);

  // 2 core switches, 250 top-of-rack pairs, every other host dual-homed to one pair.
  const objects: string[] = ['core-1', 'core-2'];
  const requirements = new Map<string, RequirementSpec[]>();
  const need = (members: string[], label: string): RequirementSpec => ({
    members,
    minUp: 1,
    failing: HOST_FAILING,
    label,
  });
  const pairs = 250;
  for (let p = 0; p < pairs; p++) {
    for (const side of ['a', 'b']) {
      const tor = `tor-${p}${side}`;
      objects.push(tor);
      requirements.set(tor, [need(['core-1', 'core-2'], 'has parent')]);
    }
  }
  const hosts: string[] = [];
  for (let h = 0; objects.length < hostCount; h++) {
    const host = `host-${h}`;
    const pair = h % pairs;
    objects.push(host);
    hosts.push(host);
    requirements.set(host, [need([`tor-${pair}a`, `tor-${pair}b`], 'has uplinks')]);
  }
  for (let s = 0; s < serviceCount; s++) {
    const host = hosts[s % hosts.length] as string;
    const service = `${host}/svc-${Math.floor(s / hosts.length)}`;
    objects.push(service);
    requirements.set(service, [need([host], 'runs on')]);
  }
  const compiled = compileTopology({ objects, requirements });
  if (!compiled.ok) throw new Error(compiled.errors.map((e) => e.message).join('\n'));
  const graph = compiled.graph;
  const states = emptyStates(graph);

  const fullRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    analyse(graph, states);
    fullRuns.push(performance.now() - started);
  }
  const analysis = analyse(graph, states);
  const positions = topologicalPositions(graph);

  // Random state changes, weighted like real life: mostly services, some hosts, rarely switches.
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const switches = 2 + pairs * 2;
  const timings: number[] = [];
  for (let u = 0; u < updates; u++) {
    const roll = random();
    const node =
      roll < 0.001
        ? Math.floor(random() * switches)
        : roll < 0.05
          ? switches + Math.floor(random() * hosts.length)
          : switches + hosts.length + Math.floor(random() * serviceCount);
    states.state[node] = states.state[node] === 0 ? (node < switches + hosts.length ? 1 : 2) : 0;
    states.hard[node] = random() < 0.7 ? 1 : 0;
    const started = performance.now();
    updateAnalysis(graph, states, analysis, [node], positions);
    timings.push(performance.now() - started);
    if (u % 5000 === 0) process.stderr.write(`[topology bench] ${u}/${updates} updates\n`);
  }
  timings.sort((a, b) => a - b);
  fullRuns.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((timings[Math.min(timings.length - 1, Math.floor(p * timings.length))] as number) * 1000) /
    1000;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'topology',
      hosts: hosts.length + switches,
      services: serviceCount,
      updates,
      update_p50_ms: pct(0.5),
      update_p99_ms: pct(0.99),
      update_max_ms: Math.round((timings[timings.length - 1] as number) * 100) / 100,
      full_recompute_ms: Math.round(fullRuns[2] as number),
      rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

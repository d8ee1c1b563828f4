// Turns the LLDP views of many hosts into parents, redundancy groups and switch-port
// services, and writes them as Vigil configuration. Pure: files are read by the CLI.
import yaml from 'js-yaml';
import type { LldpCapability, LldpHostData, LldpNeighbour, LldpProblem } from './lldp.ts';

/** One port of a device with a host plugged into it. */
export interface DerivedPort {
  port: string;
  attachedTo: string;
}

export interface DerivedDevice {
  name: string;
  /** Management address, when the device advertised a usable one. */
  address?: string;
  parents: string[];
  /** Set when the device has uplinks to two or more distinct parents: any one of them will do. */
  parentsMinUp?: number;
  ports: DerivedPort[];
  /** True for hosts that had a file of their own; false for devices seen only as neighbours. */
  imported: boolean;
}

export interface DerivedTopology {
  devices: DerivedDevice[];
  warnings: LldpProblem[];
}

/** The template every generated port service uses: the one place to change the port check. */
export const PORT_TEMPLATE = 'lldp-switch-port';
/**
 * A placeholder port check from the Monitoring Plugins: link status by interface name over
 * SNMP (community "public" unless the operator adds `-C`). Names go in through a service
 * variable, so a port name with spaces stays one argument.
 */
export const PORT_CHECK = '$USER1$/check_ifoperstatus -H $HOSTADDRESS$ -d $_SERVICEPORT$';

const HOST_NAME = /^[^/\s$`'"\\]{1,200}$/;
const SERVICE_NAME = /^[^$`\\\n]{1,200}$/;

interface Edge {
  upstream: string;
  upstreamPort?: string;
  downstream: string;
  file: string;
  path: string;
}

/**
 * Derives the topology. Each link seen from a host makes the neighbour a parent of the host
 * and the neighbour's port a service attached to the host. When both ends of a link have a
 * file (a switch's own LLDP data is in the directory too), the end advertising bridge or
 * router capability is upstream; if that does not decide it, the link is skipped and
 * reported rather than guessed, since a wrong guess would be a parent cycle.
 */
export function deriveLldpTopology(hosts: readonly LldpHostData[]): DerivedTopology {
  const warnings: LldpProblem[] = [];
  const warn = (file: string, path: string, message: string) => warnings.push({ file, path, message });
  const imported = new Map<string, LldpHostData>();
  for (const host of hosts) {
    const earlier = imported.get(host.localHost);
    if (earlier) {
      warn(
        host.file,
        '',
        `host "${host.localHost}" was already read from ${earlier.file}; this file is ignored`,
      );
      continue;
    }
    imported.set(host.localHost, host);
  }

  const devices = new Map<string, { address?: string; capabilities?: LldpCapability[] }>();
  // Two switches advertising one chassis id is a known trap: lldpd (and many collectors)
  // merge them into one neighbour. Keep them apart by name and say so.
  const namesOfChassisId = new Map<string, Map<string, string>>();
  const chassisIdsOfName = new Map<string, Map<string, string>>();
  const seen = new Set<string>();
  const edges: Edge[] = [];

  for (const host of imported.values()) {
    if (host.links.length === 0) {
      warn(host.file, '', `no LLDP neighbours; "${host.localHost}" is written without parents`);
    }
    for (const link of host.links) {
      const neighbour = link.neighbour;
      const where = `${host.file} ${link.path}`;
      if (!neighbour.name) {
        warn(host.file, link.path, 'neighbour has no system name; link skipped');
        continue;
      }
      if (!HOST_NAME.test(neighbour.name)) {
        warn(
          host.file,
          link.path,
          `neighbour name "${neighbour.name}" is not usable as a host name; link skipped`,
        );
        continue;
      }
      if (neighbour.name === host.localHost) {
        warn(host.file, link.path, 'neighbour is the host itself (a looped cable?); link skipped');
        continue;
      }
      if (neighbour.chassisId) {
        const id = `${neighbour.chassisIdType ?? 'id'} ${neighbour.chassisId}`;
        noteSharedKey(namesOfChassisId, id, neighbour.name, where, (other, otherWhere) =>
          warn(
            host.file,
            `${link.path}.id`,
            `chassis id ${id} is advertised by "${neighbour.name}" and by "${other}" (${otherWhere}); ` +
              'two devices share one chassis id: kept apart by name, fix the chassis id on one of them',
          ),
        );
        noteSharedKey(chassisIdsOfName, neighbour.name, id, where, (other, otherWhere) =>
          warn(
            host.file,
            `${link.path}.id`,
            `"${neighbour.name}" advertises chassis id ${id} here and ${other} in ${otherWhere}; ` +
              'two devices share one name: treated as one host',
          ),
        );
      }
      const named = { ...neighbour, name: neighbour.name };
      recordDevice(devices, named);
      const upstream = upstreamOf(host, named, imported);
      if (upstream === 'unknown') {
        const key = [host.localHost, neighbour.name].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          warn(
            host.file,
            link.path,
            `both "${host.localHost}" and "${neighbour.name}" have LLDP files and neither is the only bridge or ` +
              'router; cannot tell which is upstream; link skipped (add parents by hand)',
          );
        }
        continue;
      }
      if (upstream === 'neighbour') {
        edges.push({
          upstream: neighbour.name,
          upstreamPort: neighbour.port,
          downstream: host.localHost,
          file: host.file,
          path: link.path,
        });
      } else {
        edges.push({
          upstream: host.localHost,
          upstreamPort: link.localPort,
          downstream: neighbour.name,
          file: host.file,
          path: link.path,
        });
      }
    }
  }

  const result = new Map<string, DerivedDevice>();
  const deviceOf = (name: string): DerivedDevice => {
    let device = result.get(name);
    if (!device) {
      const isImported = imported.has(name);
      const address =
        usableAddress(imported.get(name)?.localChassis?.mgmtAddresses ?? []) ?? devices.get(name)?.address;
      device = { name, parents: [], ports: [], imported: isImported, ...(address ? { address } : {}) };
      result.set(name, device);
    }
    return device;
  };
  for (const name of imported.keys()) deviceOf(name);
  const portOwners = new Map<string, string>();
  for (const edge of withoutCycles(edges, warn)) {
    const downstream = deviceOf(edge.downstream);
    const upstream = deviceOf(edge.upstream);
    if (!downstream.parents.includes(edge.upstream)) downstream.parents.push(edge.upstream);
    if (edge.upstreamPort === undefined) {
      warn(edge.file, edge.path, `"${edge.upstream}" sent no port id; parent kept, no port service`);
      continue;
    }
    const serviceName = `port-${edge.upstreamPort}`;
    if (!SERVICE_NAME.test(serviceName)) {
      warn(
        edge.file,
        edge.path,
        `port "${edge.upstreamPort}" is not usable in a service name; no port service`,
      );
      continue;
    }
    const portKey = `${edge.upstream}\n${edge.upstreamPort}`;
    const owner = portOwners.get(portKey);
    if (owner === edge.downstream) continue;
    if (owner !== undefined) {
      warn(
        edge.file,
        edge.path,
        `port ${edge.upstreamPort} of "${edge.upstream}" already leads to "${owner}"; several hosts behind one ` +
          `port (an unmanaged switch?): "${edge.downstream}" is not attached to it`,
      );
      continue;
    }
    portOwners.set(portKey, edge.downstream);
    upstream.ports.push({ port: edge.upstreamPort, attachedTo: edge.downstream });
  }
  for (const device of result.values()) {
    if (device.parents.length >= 2) device.parentsMinUp = 1;
    device.ports.sort((a, b) => a.port.localeCompare(b.port, 'en', { numeric: true }));
  }
  const sorted = [...result.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return { devices: sorted, warnings };
}

function noteSharedKey(
  index: Map<string, Map<string, string>>,
  key: string,
  value: string,
  where: string,
  report: (other: string, otherWhere: string) => void,
): void {
  let values = index.get(key);
  if (!values) {
    values = new Map();
    index.set(key, values);
  }
  if (values.has(value)) return;
  const [first] = values;
  values.set(value, where);
  if (first) report(first[0], first[1]);
}

function recordDevice(
  devices: Map<string, { address?: string; capabilities?: LldpCapability[] }>,
  neighbour: LldpNeighbour & { name: string },
): void {
  const known = devices.get(neighbour.name) ?? {};
  const address = known.address ?? usableAddress(neighbour.mgmtAddresses);
  devices.set(neighbour.name, {
    ...(address ? { address } : {}),
    capabilities: known.capabilities ?? neighbour.capabilities,
  });
}

const forwards = (capabilities: LldpCapability[] | undefined): boolean | undefined =>
  capabilities === undefined
    ? undefined
    : capabilities.some((c) => c.enabled && /^(bridge|router|repeater|wlan)$/i.test(c.type));

/** Which end of a link is upstream: the neighbour unless both ends have files. */
function upstreamOf(
  host: LldpHostData,
  neighbour: LldpNeighbour & { name: string },
  imported: Map<string, LldpHostData>,
): 'neighbour' | 'local' | 'unknown' {
  const neighbourData = imported.get(neighbour.name);
  if (!neighbourData) return 'neighbour';
  // The host's own capabilities are what the neighbour's file saw it advertise.
  const reverse = neighbourData.links.find((l) => l.neighbour.name === host.localHost);
  const localForwards = forwards(reverse?.neighbour.capabilities ?? host.localChassis?.capabilities);
  const neighbourForwards = forwards(neighbour.capabilities);
  if (neighbourForwards === true && localForwards === false) return 'neighbour';
  if (localForwards === true && neighbourForwards === false) return 'local';
  if (!reverse && neighbourForwards !== false) return 'neighbour';
  return 'unknown';
}

/** First IPv4 address, else first IPv6 address that is not link-local (needs a zone to be used). */
export function usableAddress(addresses: readonly string[]): string | undefined {
  const usable = addresses.filter((a) => !/^fe80:/i.test(a) && !/^169\.254\./.test(a));
  return usable.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)) ?? usable[0];
}

/** Drops (and reports) any edge that would close a parent cycle; `check-config` refuses cycles. */
function withoutCycles(edges: Edge[], warn: (file: string, path: string, message: string) => void): Edge[] {
  const parentsOf = new Map<string, Set<string>>();
  const reaches = (from: string, to: string): boolean => {
    const stack = [from];
    const visited = new Set<string>();
    while (stack.length > 0) {
      const current = stack.pop() as string;
      if (current === to) return true;
      if (visited.has(current)) continue;
      visited.add(current);
      for (const parent of parentsOf.get(current) ?? []) stack.push(parent);
    }
    return false;
  };
  const kept: Edge[] = [];
  for (const edge of edges) {
    if (!parentsOf.get(edge.downstream)?.has(edge.upstream)) {
      if (reaches(edge.upstream, edge.downstream)) {
        warn(
          edge.file,
          edge.path,
          `"${edge.upstream}" as a parent of "${edge.downstream}" would close a parent cycle; link skipped`,
        );
        continue;
      }
      let parents = parentsOf.get(edge.downstream);
      if (!parents) {
        parents = new Set();
        parentsOf.set(edge.downstream, parents);
      }
      parents.add(edge.upstream);
    }
    kept.push(edge);
  }
  return kept;
}

/** Vigil configuration for the derived topology, with a header saying where it came from. */
export function lldpTopologyYaml(topology: DerivedTopology, source: string): string {
  const hasPorts = topology.devices.some((d) => d.ports.length > 0);
  const hosts = topology.devices.map((device) => ({
    name: device.name,
    ...(device.address ? { address: device.address } : {}),
    ...(device.parents.length > 0 ? { parents: device.parents } : {}),
    ...(device.parentsMinUp !== undefined ? { parents_min_up: device.parentsMinUp } : {}),
    ...(device.ports.length > 0
      ? {
          services: device.ports.map((p) => ({
            name: `port-${p.port}`,
            use: PORT_TEMPLATE,
            attached_to: p.attachedTo,
            vars: { PORT: p.port },
          })),
        }
      : {}),
  }));
  const document = {
    ...(hasPorts ? { templates: { [PORT_TEMPLATE]: { check: PORT_CHECK, tags: ['switch-port'] } } } : {}),
    hosts,
  };
  const header = [
    `# Generated by \`vigil topology import-lldp\` from ${source}.`,
    '# Parents and switch-port services come from LLDP neighbour data. Review before use:',
    `# the "${PORT_TEMPLATE}" template holds a placeholder port check, and devices seen only`,
    '# as neighbours have no check. See docs/topology.md, "Importing topology from LLDP".',
  ];
  return `${header.join('\n')}\n${yaml.dump(document, { lineWidth: -1, noRefs: true, flowLevel: -1 })}`;
}

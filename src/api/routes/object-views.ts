import { describeTarget, intervalAt } from '../../alerting/downtime.ts';
import { describeState, type StateRow } from '../../model/problems.ts';
import type { Host, Model, ObjectState, Service } from '../../model/types.ts';
import { graphOf } from '../../topology/from-model.ts';
import type { Daemon } from '../daemon.ts';

// What the API shows of hosts and services: list items, and the full view of one object
// with its neighbours in the topology, its acknowledgement and its downtime.

/** Lookups every list request would otherwise rebuild: built once per loaded model. */
export interface ModelIndex {
  /** Host names, sorted. */
  hostNames: string[];
  /** Service ids (`host/service`), sorted. */
  serviceIds: string[];
  /** Each host's service ids, sorted. */
  servicesByHost: Map<string, string[]>;
  /** Hosts that name each host as a parent. */
  childrenByHost: Map<string, string[]>;
}

const indexes = new WeakMap<Model, ModelIndex>();

export function modelIndex(model: Model): ModelIndex {
  const cached = indexes.get(model);
  if (cached) return cached;
  const servicesByHost = new Map<string, string[]>();
  const childrenByHost = new Map<string, string[]>();
  for (const service of model.services.values()) {
    const list = servicesByHost.get(service.host);
    if (list) list.push(service.id);
    else servicesByHost.set(service.host, [service.id]);
  }
  for (const host of model.hosts.values()) {
    for (const parent of host.parents) {
      const list = childrenByHost.get(parent);
      if (list) list.push(host.id);
      else childrenByHost.set(parent, [host.id]);
    }
  }
  for (const list of servicesByHost.values()) list.sort(byCodeUnits);
  for (const list of childrenByHost.values()) list.sort(byCodeUnits);
  const index: ModelIndex = {
    hostNames: [...model.hosts.keys()].sort(byCodeUnits),
    serviceIds: [...model.services.keys()].sort(byCodeUnits),
    servicesByHost,
    childrenByHost,
  };
  indexes.set(model, index);
  return index;
}

/** The order pagination compares ids in (UTF-16 code units), so presorted lists agree with it. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An object's state row; one never checked yet is PENDING. */
export function stateRowOf(model: Model, objectId: string, state: ObjectState | undefined): StateRow {
  if (state) return describeState(model, state);
  const service = model.services.get(objectId);
  return {
    object: objectId,
    host: service ? service.host : objectId,
    service: service?.name ?? null,
    state: 'PENDING',
    stateType: 'HARD',
    attempt: '0',
    since: new Date(0).toISOString(),
    lastCheck: null,
    flapping: false,
    output: '',
  };
}

export function hostItem(model: Model, host: Host, state: ObjectState | undefined) {
  return {
    ...stateRowOf(model, host.id, state),
    displayName: host.displayName,
    address: host.address,
    groups: host.groups,
    tags: host.tags,
    location: host.location,
  };
}

export function serviceItem(model: Model, service: Service, state: ObjectState | undefined) {
  return {
    ...stateRowOf(model, service.id, state),
    displayName: service.displayName,
    tags: service.tags,
  };
}

/** The full view of one host or service: state, output, perfdata, topology, acknowledgement, downtime. */
export async function objectDetail(daemon: Daemon, objectId: string, now: number) {
  const model = daemon.engine.currentModel;
  const state = daemon.engine.stateOf(objectId);
  const graph = graphOf(model);
  const node = graph.index.get(objectId);
  const dependsOn =
    node === undefined
      ? []
      : (graph.requirements[node] ?? []).map((requirement) => ({
          relation: requirement.label,
          objects: [...requirement.members].map((member) => graph.ids[member] as string),
          minUp: requirement.minUp,
        }));
  const dependents =
    node === undefined
      ? []
      : [...(graph.dependents[node] ?? [])].map((member) => graph.ids[member] as string).sort(byCodeUnits);
  const [latest] = await daemon.store.results({ objectId, since: 0, until: now, limit: 1 });
  const ack = daemon.suppressions.acknowledgementOf(objectId, now);
  const downtimes = daemon.suppressions.downtimesOf(objectId, now).map((window) => ({
    id: window.id,
    target: describeTarget(window.target),
    until: new Date(intervalAt(window, now)?.end ?? now).toISOString(),
    author: window.author,
    comment: window.comment,
  }));
  return {
    longOutput: state?.longOutput ?? '',
    perfdata: latest?.perfdata ?? [],
    percentStateChange: state?.percentStateChange ?? 0,
    dependsOn,
    dependents,
    acknowledgement: ack
      ? {
          author: ack.author,
          comment: ack.comment,
          sticky: ack.sticky,
          since: new Date(ack.createdAt).toISOString(),
          expiresAt: ack.expiresAt === null ? null : new Date(ack.expiresAt).toISOString(),
        }
      : null,
    downtimes,
  };
}

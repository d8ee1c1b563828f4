import type { Component, Host, HostGroup, Service, SourcePlace } from '../model/types.ts';
import type { componentSchema } from './schema.ts';

// Components are the public names customers know. Each maps to hosts and services (by id,
// tag or host group) and may be part of a parent; a parent's members include its
// sub-components' members, so a product's status covers everything under it.

type RawComponent = import('zod').infer<typeof componentSchema>;

export const COMPONENT_DEFAULTS = {
  degradedUpToPercent: 0,
  majorFromPercent: 100,
  /** A partial outage affects some customers: half of its time counts as downtime. */
  partialWeight: 0.5,
  degradedWeight: 0,
} as const;

export interface PlacedComponent {
  name: string;
  value: RawComponent;
  place: SourcePlace;
}

/** Resolves components against the objects of the model; reports unknown references and parent loops. */
export function resolveComponents(
  raw: readonly PlacedComponent[],
  objects: { hosts: Map<string, Host>; services: Map<string, Service>; hostGroups: Map<string, HostGroup> },
  fail: (place: SourcePlace, message: string) => void,
): Map<string, Component> {
  const byName = new Map<string, PlacedComponent>();
  for (const entry of raw) {
    const earlier = byName.get(entry.name);
    if (earlier)
      fail(
        entry.place,
        `component "${entry.name}" is already defined at ${earlier.place.file}:${earlier.place.line}`,
      );
    else byName.set(entry.name, entry);
  }

  const own = new Map<string, string[]>();
  for (const { name, value, place } of byName.values()) {
    const members = new Set<string>();
    const match = value.match ?? {};
    const say = (message: string) => fail(place, `component "${name}": ${message}`);
    for (const id of match.services ?? []) {
      if (objects.services.has(id)) members.add(id);
      else say(`service "${id}" is not defined (write host/service)`);
    }
    for (const host of match.hosts ?? []) {
      if (objects.hosts.has(host)) members.add(host);
      else say(`host "${host}" is not defined`);
    }
    for (const group of match.host_groups ?? []) {
      const hostGroup = objects.hostGroups.get(group);
      if (hostGroup) for (const member of hostGroup.members) members.add(member);
      else say(`host group "${group}" is not defined under host_groups`);
    }
    for (const tag of match.tags ?? []) {
      let found = false;
      for (const host of objects.hosts.values())
        if (host.tags.includes(tag)) {
          members.add(host.id);
          found = true;
        }
      for (const service of objects.services.values())
        if (service.tags.includes(tag)) {
          members.add(service.id);
          found = true;
        }
      if (!found) say(`no host or service has the tag "${tag}"`);
    }
    if (value.parent !== undefined) {
      if (value.parent === name) say('names itself as its parent');
      else if (!byName.has(value.parent)) say(`parent "${value.parent}" is not a defined component`);
    }
    const rule = value.status ?? {};
    const degradedUpTo = rule.degraded_up_to ?? COMPONENT_DEFAULTS.degradedUpToPercent;
    const majorFrom = rule.major_from ?? COMPONENT_DEFAULTS.majorFromPercent;
    if (degradedUpTo >= majorFrom)
      say(`status.degraded_up_to (${degradedUpTo}) must be below status.major_from (${majorFrom})`);
    own.set(name, [...members]);
  }

  // Parent loops: follow each chain; a name seen twice on one chain is a loop.
  const inLoop = new Set<string>();
  for (const start of byName.keys()) {
    const chain: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = byName.get(current)?.value.parent;
    }
    if (current !== undefined && current === start) {
      inLoop.add(start);
      const place = (byName.get(start) as PlacedComponent).place;
      fail(place, `component "${start}": parents loop: ${[...chain, start].join(' -> ')}`);
    }
  }

  const children = new Map<string, string[]>();
  for (const { name, value } of byName.values()) {
    if (value.parent === undefined || !byName.has(value.parent) || inLoop.has(name)) continue;
    const list = children.get(value.parent) ?? [];
    list.push(name);
    children.set(value.parent, list);
  }
  const allMembers = (name: string): Set<string> => {
    const members = new Set(own.get(name) ?? []);
    for (const child of children.get(name) ?? []) for (const id of allMembers(child)) members.add(id);
    return members;
  };

  const components = new Map<string, Component>();
  for (const { name, value, place } of byName.values()) {
    if (inLoop.has(name)) continue;
    const members = [...allMembers(name)].sort();
    if (members.length === 0) fail(place, `component "${name}" matches no host or service`);
    components.set(name, {
      name,
      description: value.description ?? '',
      ...(value.parent !== undefined ? { parent: value.parent } : {}),
      children: children.get(name) ?? [],
      members,
      rule: {
        degradedUpToPercent: value.status?.degraded_up_to ?? COMPONENT_DEFAULTS.degradedUpToPercent,
        majorFromPercent: value.status?.major_from ?? COMPONENT_DEFAULTS.majorFromPercent,
        warningDegrades: (value.status?.warning ?? 'degraded') === 'degraded',
      },
      partialWeight: value.partial_weight ?? COMPONENT_DEFAULTS.partialWeight,
      degradedWeight: value.degraded_weight ?? COMPONENT_DEFAULTS.degradedWeight,
      ...(value.target !== undefined ? { targetPercent: value.target } : {}),
      source: place,
    });
  }
  return components;
}

import type { Component, Host, Service } from './types.ts';

// Which deploys belong to what. A deploy names "the service or component deployed, as the
// team names it": a service's name ("api"), its object id ("web1/api"), a host, or a public
// component ("Basecamp"). These sets hold every name under which a deploy counts for a
// component or a monitored object, so matching is a set lookup on `deploy.service`.

/** The parts of the model deploys are matched against. */
interface DeployModel {
  components: ReadonlyMap<string, Component>;
  hosts: ReadonlyMap<string, Host>;
  services: ReadonlyMap<string, Service>;
}

/** The part of a deploy matching needs; the store's `Deploy` has it. */
export interface DeployMark {
  service: string;
  at: number;
}

/** The names of one service: its object id, its name and its display name. */
function serviceNames(model: Pick<DeployModel, 'services'>, serviceId: string, names: Set<string>): void {
  const service = model.services.get(serviceId);
  if (!service) return;
  names.add(service.id);
  names.add(service.name);
  if (service.displayName) names.add(service.displayName);
}

/**
 * Names a deploy counts under for these components: each component, its sub-components and
 * the products it belongs to by name (deploying "Basecamp" touches every part of it), and the
 * services and hosts they are made of.
 */
export function componentDeployNames(
  model: Pick<DeployModel, 'components' | 'services'>,
  components: readonly string[],
): Set<string> {
  const names = new Set<string>();
  const visit = (name: string): void => {
    if (names.has(name)) return;
    const component = model.components.get(name);
    names.add(name);
    if (!component) return;
    for (const member of component.members) {
      names.add(member);
      serviceNames(model, member, names);
    }
    for (const child of component.children) visit(child);
  };
  for (const name of components) {
    visit(name);
    const seen = new Set<string>();
    for (let up = model.components.get(name)?.parent; up !== undefined && !seen.has(up); ) {
      seen.add(up);
      names.add(up);
      up = model.components.get(up)?.parent;
    }
  }
  return names;
}

/** Names a deploy counts under on a host's or a service's page: the object and its host; a host also counts its services'. */
export function objectDeployNames(model: Pick<DeployModel, 'services'>, objectId: string): Set<string> {
  const names = new Set<string>();
  const service = model.services.get(objectId);
  if (service) {
    serviceNames(model, objectId, names);
    names.add(service.host);
    return names;
  }
  names.add(objectId);
  for (const other of model.services.values())
    if (other.host === objectId) serviceNames(model, other.id, names);
  return names;
}

/**
 * The deploys in the `windowMs` before `at` (and at `at` itself) under these names, in the
 * order given: what an incident that started at `at` lists.
 */
export function deploysBeforeAmong<D extends DeployMark>(
  deploys: readonly D[],
  names: ReadonlySet<string>,
  at: number,
  windowMs: number,
): D[] {
  return deploys.filter((d) => d.at >= at - windowMs && d.at <= at && names.has(d.service));
}

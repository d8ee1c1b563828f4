import type { Model, Service } from '../src/model/types.ts';

// Lookups the model does not keep itself, built once per loaded model (a reload builds a
// new model, so the index follows it).

const servicesByHost = new WeakMap<Model, Map<string, Service[]>>();

export function servicesOf(model: Model, host: string): Service[] {
  let index = servicesByHost.get(model);
  if (!index) {
    index = new Map();
    for (const service of model.services.values()) {
      const list = index.get(service.host);
      if (list) list.push(service);
      else index.set(service.host, [service]);
    }
    servicesByHost.set(model, index);
  }
  return index.get(host) ?? [];
}

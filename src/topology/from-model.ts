import { failingMask, HOST_FAILING } from '../model/state-codes.ts';
import type { Model } from '../model/types.ts';
import {
  type CompileResult,
  compileTopology,
  type RequirementSpec,
  type TopologyGraph,
  type TopologySpec,
} from './graph.ts';

/**
 * The requirements the model implies: hosts need their parents (K of N, Nagios's "any
 * parent" by default), services need their host, switch-port services are part of the
 * problem of the host plugged into them, and configured dependencies add their own.
 */
export function topologySpecOf(model: Model): TopologySpec {
  const objects = [...model.hosts.keys(), ...model.services.keys()];
  const requirements = new Map<string, RequirementSpec[]>();
  const add = (objectId: string, requirement: RequirementSpec) => {
    const list = requirements.get(objectId);
    if (list) list.push(requirement);
    else requirements.set(objectId, [requirement]);
  };
  for (const host of model.hosts.values()) {
    if (host.parents.length > 0) {
      add(host.id, {
        members: host.parents,
        minUp: host.parentsMinUp,
        failing: HOST_FAILING,
        label: 'has parent',
      });
    }
  }
  for (const service of model.services.values()) {
    add(service.id, { members: [service.host], minUp: 1, failing: HOST_FAILING, label: 'runs on' });
    if (service.attachedTo) {
      add(service.id, {
        members: [service.attachedTo],
        minUp: 1,
        failing: HOST_FAILING,
        label: 'is the port of',
      });
    }
  }
  for (const dependency of model.dependencies) {
    add(dependency.dependent, {
      members: dependency.on,
      minUp: dependency.minUp,
      failing: failingMask(dependency.failingStates),
      label: 'depends on',
      ...(dependency.period ? { activeIn: dependency.period } : {}),
    });
  }
  return { objects, requirements };
}

const graphs = new WeakMap<Model, TopologyGraph>();

/** Compiles a model's dependency graph (kept for the model, so it is built once per load). */
export function compileModelTopology(model: Model): CompileResult {
  const compiled = compileTopology(topologySpecOf(model));
  if (compiled.ok) graphs.set(model, compiled.graph);
  return compiled;
}

/** The dependency graph of a model; config loading has already refused loops. */
export function graphOf(model: Model): TopologyGraph {
  const cached = graphs.get(model);
  if (cached) return cached;
  const compiled = compileModelTopology(model);
  if (!compiled.ok) throw new Error(compiled.errors.map((e) => e.message).join('; '));
  return compiled.graph;
}

import type { Component } from '../../model/types.ts';

// Which public components a root-cause problem touches: every component with the cause itself
// or anything it explains among its members. A parent matches whenever a child does (its
// members include the child's); only the most specific names are kept, so customers read
// "API" rather than "Basecamp, API".

export function affectedComponents(
  components: ReadonlyMap<string, Component>,
  objects: readonly string[],
): string[] {
  const touched = new Set(objects);
  const matched = new Set<string>();
  for (const component of components.values())
    if (component.members.some((member) => touched.has(member))) matched.add(component.name);
  const hasMatchedDescendant = (name: string, seen = new Set<string>()): boolean => {
    for (const child of components.get(name)?.children ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      if (matched.has(child) || hasMatchedDescendant(child, seen)) return true;
    }
    return false;
  };
  return [...matched].filter((name) => !hasMatchedDescendant(name)).sort();
}

/** The component and its ancestors. */
function lineage(components: ReadonlyMap<string, Component>, name: string): Set<string> {
  const names = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined && !names.has(current)) {
    names.add(current);
    current = components.get(current)?.parent;
  }
  return names;
}

/** Whether two lists share a component, counting a part and what it belongs to as the same. */
export function overlaps(
  components: ReadonlyMap<string, Component>,
  a: readonly string[],
  b: readonly string[],
): boolean {
  const lineages = b.map((name) => lineage(components, name));
  return a.some((name) => {
    const own = lineage(components, name);
    return lineages.some((other) => other.has(name) || own.has([...other][0] as string));
  });
}

import type { Component, ComponentRule } from '../model/types.ts';
import type { LedgerKind } from '../store/availability.ts';

// A component's status from the health of its members, by its rule. Pure.
//
//   failing share = failing members / members whose state is known
//   nothing failing: degraded if a member is WARNING (unless the rule ignores warnings)
//   share ≤ degraded_up_to:  degraded
//   share ≥ major_from:      major outage
//   in between:              partial outage
//   no member known:         unknown

export type MemberHealth = 'ok' | 'warning' | 'failing' | 'unknown';

export type ComponentStatus = 'operational' | 'degraded' | 'partial_outage' | 'major_outage' | 'unknown';

const SEVERITY: Record<ComponentStatus, number> = {
  operational: 0,
  unknown: 0,
  degraded: 1,
  partial_outage: 2,
  major_outage: 3,
};

export function isWorse(a: ComponentStatus, b: ComponentStatus): boolean {
  return SEVERITY[a] > SEVERITY[b];
}

export interface HealthCounts {
  ok: number;
  warning: number;
  failing: number;
  unknown: number;
}

export function countHealth(health: Iterable<MemberHealth>): HealthCounts {
  const counts: HealthCounts = { ok: 0, warning: 0, failing: 0, unknown: 0 };
  for (const h of health) counts[h]++;
  return counts;
}

export function componentStatus(rule: ComponentRule, counts: HealthCounts): ComponentStatus {
  const known = counts.ok + counts.warning + counts.failing;
  if (known === 0) return 'unknown';
  if (counts.failing === 0) return counts.warning > 0 && rule.warningDegrades ? 'degraded' : 'operational';
  const share = (100 * counts.failing) / known;
  if (share >= rule.majorFromPercent) return 'major_outage';
  if (share <= rule.degradedUpToPercent) return 'degraded';
  return 'partial_outage';
}

/** The ledger kind and weight a status is recorded with; operational records nothing. */
export function ledgerEntryOf(
  component: Pick<Component, 'partialWeight' | 'degradedWeight'>,
  status: ComponentStatus,
): { kind: LedgerKind; weight: number } | undefined {
  switch (status) {
    case 'major_outage':
      return { kind: 'outage', weight: 1 };
    case 'partial_outage':
      return { kind: 'partial', weight: component.partialWeight };
    case 'degraded':
      return { kind: 'degraded', weight: component.degradedWeight };
    case 'unknown':
      return { kind: 'unknown', weight: 0 };
    case 'operational':
      return undefined;
  }
}

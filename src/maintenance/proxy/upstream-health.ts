// Whether an upstream takes traffic. One failed probe is not enough to drop an app
// server, one good probe is not enough to trust it again: the thresholds give hysteresis.

export interface UpstreamHealth {
  healthy: boolean;
  /** Probe results in a row that disagree with `healthy`. */
  streak: number;
}

export interface HealthThresholds {
  unhealthyAfter: number;
  healthyAfter: number;
}

/** Upstreams start healthy so a proxy serves at once; the first failures take them out. */
export const freshHealth: UpstreamHealth = { healthy: true, streak: 0 };

export function afterProbe(health: UpstreamHealth, ok: boolean, limits: HealthThresholds): UpstreamHealth {
  if (ok === health.healthy) return health.streak === 0 ? health : { healthy: health.healthy, streak: 0 };
  const streak = health.streak + 1;
  const needed = health.healthy ? limits.unhealthyAfter : limits.healthyAfter;
  return streak >= needed ? { healthy: ok, streak: 0 } : { healthy: health.healthy, streak };
}

/**
 * Round robin over healthy upstreams: the first healthy one at or after `cursor`, skipping
 * those in `tried`. Returns its index, or -1 when none is left.
 */
export function pickUpstream(
  healthy: readonly boolean[],
  cursor: number,
  tried?: ReadonlySet<number>,
): number {
  const count = healthy.length;
  for (let step = 0; step < count; step++) {
    const index = (cursor + step) % count;
    if (healthy[index] && !tried?.has(index)) return index;
  }
  return -1;
}

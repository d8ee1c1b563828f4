/**
 * First-run times for checks added together: spread evenly over one interval so that
 * starting (or reloading) with thousands of checks causes no herd. Pure.
 *
 * Checks are grouped by interval; within a group the k-th of n starts at
 * `now + k * interval / n`: every slot equally far from its neighbours, and a check
 * added alone (say by a reload) runs at once.
 */
export function spreadFirstRuns(
  checks: readonly { objectId: string; intervalMs: number }[],
  now: number,
): Map<string, number> {
  const byInterval = new Map<number, string[]>();
  for (const check of checks) {
    const group = byInterval.get(check.intervalMs);
    if (group) group.push(check.objectId);
    else byInterval.set(check.intervalMs, [check.objectId]);
  }
  const firstRuns = new Map<string, number>();
  for (const [intervalMs, ids] of byInterval) {
    const step = intervalMs / ids.length;
    ids.forEach((id, k) => {
      firstRuns.set(id, now + Math.floor(k * step));
    });
  }
  return firstRuns;
}

/**
 * The next planned start after a run planned at `plannedAt`. Keeping to the planned grid
 * (not "finish time + interval") is what stops drift over hours; if the engine has fallen
 * more than an interval behind, it starts again from now instead of racing to catch up.
 */
export function nextRunAfter(plannedAt: number, intervalMs: number, now: number): number {
  const next = plannedAt + intervalMs;
  return next + intervalMs < now ? now : next;
}

import type { ProblemGroup } from '../topology/problem-groups.ts';
import type { Acknowledgement } from './acknowledgement.ts';
import { type DowntimeWindow, intervalAt } from './downtime.ts';

/** What status views need to mark problems: the acknowledgement and downtime of an object now. */
export interface BadgeSource {
  acknowledgementOf(objectId: string, at: number): Acknowledgement | undefined;
  downtimesOf(objectId: string, at: number): DowntimeWindow[];
}

/** Marks each root cause that is acknowledged or in downtime (fields added in place; returns the groups). */
export function withBadges(groups: ProblemGroup[], source: BadgeSource, at: number): ProblemGroup[] {
  for (const group of groups) {
    const objectId = group.cause.object;
    const ack = source.acknowledgementOf(objectId, at);
    if (ack)
      group.cause.acknowledged = {
        author: ack.author,
        comment: ack.comment,
        sticky: ack.sticky,
        expiresAt: ack.expiresAt === null ? null : new Date(ack.expiresAt).toISOString(),
      };
    const [window] = source.downtimesOf(objectId, at);
    if (window) {
      const interval = intervalAt(window, at);
      group.cause.downtime = {
        id: window.id,
        until: new Date(interval?.end ?? at).toISOString(),
        comment: window.comment,
      };
    }
  }
  return groups;
}

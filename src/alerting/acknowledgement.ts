import type { AcknowledgementRecord } from '../store/suppressions.ts';

// When an acknowledgement holds. Pure: the time and the state change are arguments.
//
// As in Nagios, an acknowledgement belongs to one problem: it ends when the object is OK
// again. A non-sticky one also ends when the problem changes to another non-OK state
// (CRITICAL becomes WARNING: that is news); a sticky one holds through such changes. An
// expiry ends either kind early.

export type Acknowledgement = AcknowledgementRecord;

/** Whether the acknowledgement holds at `at` (not removed, not expired). */
export function isInForce(ack: Acknowledgement, at: number): boolean {
  if (at < ack.createdAt) return false;
  if (ack.removedAt !== null && at >= ack.removedAt) return false;
  return ack.expiresAt === null || at < ack.expiresAt;
}

/**
 * Why a hard state change ends the acknowledgement, or undefined when it holds on.
 * `stateName` is the new state's name, for the record.
 */
export function endedByStateChange(
  ack: Acknowledgement,
  state: number,
  stateName: string,
): string | undefined {
  if (state === 0) return 'recovered';
  if (!ack.sticky && state !== ack.state) return `state changed to ${stateName}`;
  return undefined;
}

/** The acknowledgements in force, by object. */
export class AcknowledgementBook {
  private readonly byObject = new Map<string, Acknowledgement[]>();

  constructor(readonly acknowledgements: readonly Acknowledgement[]) {
    for (const ack of acknowledgements) {
      const list = this.byObject.get(ack.objectId);
      if (list) list.push(ack);
      else this.byObject.set(ack.objectId, [ack]);
    }
  }

  /** The acknowledgement holding at `at` (the newest, should several), if any. */
  acknowledgementOf(objectId: string, at: number): Acknowledgement | undefined {
    const list = this.byObject.get(objectId) ?? [];
    let found: Acknowledgement | undefined;
    for (const ack of list)
      if (isInForce(ack, at) && (!found || ack.createdAt >= found.createdAt)) found = ack;
    return found;
  }

  isAcknowledged(objectId: string, at: number): boolean {
    return this.acknowledgementOf(objectId, at) !== undefined;
  }

  /** The next expiry after `at`, for waking up. */
  nextExpiry(at: number): number | undefined {
    let next: number | undefined;
    for (const ack of this.acknowledgements)
      if (ack.expiresAt !== null && ack.expiresAt > at && (next === undefined || ack.expiresAt < next))
        next = ack.expiresAt;
    return next;
  }
}

// Keys that tie every notification about one problem together at the receiver: PagerDuty's
// dedup_key, Opsgenie's alias, the email thread's root Message-ID.
import { createHash } from 'node:crypto';
import type { ProblemSummary } from '../notification.ts';

/** `vigil:<object id>`, hashed when longer than `max` characters. */
export function objectKey(p: ProblemSummary, max: number): string {
  const key = `vigil:${p.objectId}`;
  return key.length <= max ? key : `vigil:sha256:${createHash('sha256').update(p.objectId).digest('hex')}`;
}

/** A short stable digest of one problem occurrence: the object and when its problem began. */
export function occurrenceDigest(p: ProblemSummary): string {
  return createHash('sha256').update(`${p.objectId}\n${p.since}`).digest('hex').slice(0, 32);
}

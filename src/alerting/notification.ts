import type { PhysicalLocation } from '../model/types.ts';

/** Why a notification is sent. */
export type NotificationKind =
  | 'problem'
  | 'recovery'
  | 'acknowledgement'
  | 'flapping'
  | 'downtime-start'
  | 'downtime-end';

/** How urgent a route says a notification is; each receiver decides how to deliver it. */
export type Urgency = 'page' | 'chat' | 'email';

/** The problem a notification is about: its root cause and what that cause explains. */
export interface ProblemSummary {
  /** Host name or `host/service`. */
  objectId: string;
  host: string;
  service: string | null;
  /** State name: DOWN, UNREACHABLE, CRITICAL, WARNING, UNKNOWN, or OK/UP once recovered. */
  state: string;
  output: string;
  /** When the problem started (ms since epoch). */
  since: number;
  /** Hard problems explained by this root cause. */
  affected: string[];
  affectedHosts: number;
  affectedServices: number;
  /** Objects left without redundancy by it. */
  degraded: string[];
  location: PhysicalLocation;
  flapping: boolean;
  tags: string[];
}

/** One message to one receiver, as written to the delivery queue before it is sent. */
export interface Notification {
  /**
   * Idempotency key: the same notification to the same receiver always has the same id, so
   * a redelivery after a crash or a retry is recognisable (and sent on as such to channels
   * that accept a deduplication key).
   */
  id: string;
  kind: NotificationKind;
  urgency: Urgency;
  /** The route that chose this receiver, for reports. */
  route: string;
  /** The receiver (a configured channel instance) it goes to. */
  receiver: string;
  problem: ProblemSummary;
  /** One line: "tor-a1 DOWN — 3 hosts unreachable, 12 services affected (room 2, cabinet B4)". */
  title: string;
  /** A few lines of plain text for channels that show more than a title. */
  text: string;
  /** Who acknowledged and why, for acknowledgement notifications. */
  acknowledgement?: { author: string; comment: string };
  /** Link to the object in the dashboard, when a public URL is configured. */
  url?: string;
  createdAt: number;
}

import { newSecret, sameSecret } from './secrets.ts';

// The first start: no user exists and there is no default password. The daemon prints a
// link with a one-time token, valid for an hour and held only in memory; whoever can read
// the daemon's log can create the first admin. A restart prints a new one.

export const SETUP_LINK_VALID_MS = 60 * 60_000;

export class SetupLink {
  readonly token = newSecret();
  private used = false;

  constructor(readonly expiresAt: number) {}

  /**
   * Takes the link when the token is the one printed, unused and in time. Taken at once, before
   * any await: two requests racing with the same token cannot both create an admin.
   */
  claim(given: string, now: number): boolean {
    if (this.used || now >= this.expiresAt || !sameSecret(given, this.token)) return false;
    this.used = true;
    return true;
  }

  markUsed(): void {
    this.used = true;
  }
}

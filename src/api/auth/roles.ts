import type { Access, Role } from '../access.ts';

// Roles are ordered: each one may do everything the one below it may.
//   viewer    read state, problems, history, reports
//   operator  also acknowledge, schedule downtime, re-check, manage incidents
//   admin     also manage users and tokens, reload the configuration, read the audit log

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}

function rank(role: Role): number {
  return ROLES.indexOf(role);
}

/**
 * Whether someone holding `held` may use a route that needs `needed`. An access or role
 * text that is none of the known ones (a typo in a route's config) denies: fail closed.
 */
export function roleAllows(held: Role | null, needed: Access): boolean {
  if (needed === 'public') return true;
  if (held === null || !isRole(held) || !isRole(needed)) return false;
  return rank(held) >= rank(needed);
}

/** The lesser of two roles: what a token may do when its user's role was lowered since. */
export function lesserRole(a: Role, b: Role): Role {
  return rank(a) <= rank(b) ? a : b;
}

/** A stored role, read defensively: an unknown text (edited by hand) grants the least. */
export function storedRole(text: string): Role {
  return isRole(text) ? text : 'viewer';
}

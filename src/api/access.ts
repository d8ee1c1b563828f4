// Who may call which route. Every route declares `config: { access }`; a route without it
// needs a signed-in viewer. The auth hook (src/api/auth/) enforces it and sets
// `request.principal`; routes and pages read the principal, never the raw cookie or token.

export type Role = 'viewer' | 'operator' | 'admin';

/** Anyone, or a user (session or API token) holding at least this role. */
export type Access = 'public' | Role;

export interface Principal {
  username: string;
  role: Role;
  via: 'session' | 'token';
  /** The API token used, when via is 'token'. */
  tokenId?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** An HTML page: an anonymous visitor is sent to the login page instead of getting 401. */
    page?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

import type { ApiSettings } from '../../model/types.ts';

// Which reverse proxies are believed about the client. Behind a proxy every connection
// comes from the proxy's address; the client's address and scheme travel in
// X-Forwarded-For and X-Forwarded-Proto, which anyone can write. Fastify reads them for
// `request.ip` and `request.protocol` only from the proxies named here, so the sign-in
// throttle counts per client and a client cannot pick its own address.

/** Fastify's `trustProxy` for `settings.api.trusted_proxies` (set when Fastify is made). */
export function trustProxyOption(
  api: ApiSettings | undefined,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  const trusted = api?.trustedProxies;
  if (trusted === undefined) return false;
  // A count of proxies: believe that many hops back from the connection, whatever they are.
  if (typeof trusted === 'number') return (_address, hop) => hop < trusted;
  return trusted.length === 0 ? false : [...trusted];
}

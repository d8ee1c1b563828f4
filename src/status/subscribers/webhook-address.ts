import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';

// Webhook subscriptions come from the public subscribe endpoint, so their URLs are untrusted:
// left alone, anyone could make the daemon POST into the operator's own network (a cloud
// metadata service, an admin interface on loopback). A webhook must reach a public address
// unless `status_site.subscribers.allow_private_webhooks` says otherwise. The check runs when
// the subscription is made and again before every delivery, because what a name resolves to
// can change after it was accepted; the delivery's own connection goes through `guardedLookup`,
// so the address connected to is one that was checked.

const INTERNAL = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", including the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT: private in practice
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, where cloud metadata services answer
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local, unspecified or otherwise not a public unicast address. */
export function isInternalAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  // BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 rules itself.
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type Lookup = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemLookup: Lookup = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Why a webhook URL may not be used now: an internal address, or a name that does not resolve (which may pass). */
export interface RefusedHost {
  reason: string;
  internal: boolean;
}

/**
 * Why a webhook URL may not be used, or undefined when every address its host has is public.
 * The host of a parsed URL: IPv6 literals come in brackets, which are dropped here.
 */
export async function refusedWebhookHost(
  url: string,
  lookup: Lookup = systemLookup,
): Promise<RefusedHost | undefined> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) !== 0)
    return isInternalAddress(host)
      ? { reason: `webhook address ${host} is ${internalWords}`, internal: true }
      : undefined;
  let addresses: readonly LookupAddress[];
  try {
    addresses = await lookup(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return { reason: `webhook host "${host}" does not resolve (${code})`, internal: false };
  }
  if (addresses.length === 0) return { reason: `webhook host "${host}" does not resolve`, internal: false };
  const internal = addresses.find((a) => isInternalAddress(a.address));
  return internal
    ? { reason: `webhook host "${host}" resolves to ${internal.address}, ${internalWords}`, internal: true }
    : undefined;
}

const internalWords =
  'a loopback, private or link-local address; webhooks must reach a public address (status_site.subscribers.allow_private_webhooks allows others)';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A drop-in `lookup` for sockets (net.connect, undici's connector) that refuses internal
 * addresses: the connection goes only to an address that passed the check.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal) {
      const refused: NodeJS.ErrnoException = new Error(
        `webhook host "${hostname}" resolves to ${internal.address}, ${internalWords}`,
      );
      refused.code = 'EINTERNALADDRESS';
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

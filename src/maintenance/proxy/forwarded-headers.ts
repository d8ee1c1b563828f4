// Which headers cross the proxy. Hop-by-hop headers describe one connection (RFC 9110
// section 7.6.1) and must not be passed on; X-Forwarded-* tell the app who really asked.
// Works on Node's flat raw header lists ([name, value, name, value, ...]) so names keep
// their case, repeated headers survive, and no object is built per request.

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export interface ClientSide {
  /** The peer address of the client's connection. */
  address: string;
  /** `http` or `https`: how the client reached this proxy. */
  protocol: string;
  /** Whether the request is a protocol upgrade (WebSocket): keeps Connection/Upgrade. */
  upgrade?: boolean;
}

/** Names listed in a Connection value: the sender marks them as meant for this hop only. */
function connectionTokens(values: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (const value of values) {
    // What apps and clients nearly always send: names nothing, needs no splitting.
    if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive') continue;
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name === '' || name === 'close' || name === 'keep-alive' || name === 'upgrade') continue;
      // A sender cannot have the message's own framing or target dropped on the way.
      if (name === 'content-length' || name === 'host') continue;
      tokens ??= new Set();
      tokens.add(name);
    }
  }
  return tokens;
}

/**
 * Drops the headers a Connection header named. Rare (a plain `keep-alive` or `close` names
 * nothing), so the common path never builds the set.
 */
function withoutListed(out: string[], connection: string[] | undefined): string[] {
  const listed = connection && connectionTokens(connection);
  if (!listed) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    const name = out[i] as string;
    if (!listed.has(name.toLowerCase())) kept.push(name, out[i + 1] as string);
  }
  return kept;
}

/** The request headers to send upstream. */
export function upstreamRequestHeaders(raw: readonly string[], client: ClientSide): string[] {
  let out: string[] = [];
  let connection: string[] | undefined;
  let forwardedFor: string | undefined;
  let host: string | undefined;
  let upgradeTo: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    }
    if (lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
    if (lower === 'host') host ??= value;
    else if (lower === 'connection') (connection ??= []).push(value);
    else if (lower === 'upgrade') upgradeTo = value;
    if (HOP_BY_HOP.has(lower)) continue;
    out.push(name, value);
  }
  out = withoutListed(out, connection);
  out.push(
    'X-Forwarded-For',
    forwardedFor === undefined ? client.address : `${forwardedFor}, ${client.address}`,
    'X-Forwarded-Proto',
    client.protocol,
  );
  if (host !== undefined) out.push('X-Forwarded-Host', host);
  if (client.upgrade && upgradeTo !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', upgradeTo);
  return out;
}

/** The response headers to send back to the client. */
export function clientResponseHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  let connection: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (lower === 'connection') (connection ??= []).push(raw[i + 1] as string);
    if (HOP_BY_HOP.has(lower)) continue;
    out.push(name, raw[i + 1] as string);
  }
  return withoutListed(out, connection);
}

// Where a database server is, as the operator wrote it (`db1:3306`), and whether two
// spellings of an address are the same server (`localhost` and `127.0.0.1` are).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `HOST` (port 3306); throws naming the option. */
export function parseEndpoint(text: string, option: string): Endpoint {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  const plain = /^([^:\s]+)(?::(\d+))?$/.exec(trimmed);
  const match = bracketed ?? plain;
  if (!match?.[1]) throw new Error(`${option}: "${text}" is not HOST:PORT`);
  const port = match[2] === undefined ? 3306 : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${option}: port ${match[2]} is not between 1 and 65535`);
  return { host: match[1], port };
}

const isLoopback = (address: string) => address === '::1' || address.startsWith('127.');

/** Every address a host name stands for; loopback addresses all become `loopback`. */
export async function resolveAddresses(host: string): Promise<string[]> {
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  return [...new Set(addresses.map((address) => (isLoopback(address) ? 'loopback' : address)))];
}

/** Two resolved address lists name the same machine when they share an address. */
export function sameMachine(a: readonly string[], b: readonly string[]): boolean {
  return a.some((address) => b.includes(address));
}

// wrk, Debian's HTTP load generator, run in its own process against a loopback port:
// the benchmarks that load a server share this runner and how its report is read.
import { spawn } from 'node:child_process';

export const WRK = '/usr/bin/wrk';

export interface WrkResult {
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  errors: number;
}

/** Loads `url` for `seconds` with `connections` on one thread; `script` is an optional Lua request script. */
export function runWrk(
  url: string,
  seconds: number,
  connections: number,
  script?: string,
): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency'];
    if (script !== undefined) args.push('-s', script);
    const wrk = spawn(WRK, [...args, url]);
    let output = '';
    wrk.stdout.on('data', (chunk) => {
      output += chunk;
    });
    wrk.stderr.on('data', (chunk) => {
      output += chunk;
    });
    wrk.on('error', reject);
    wrk.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${output}`));
      const percentile = (p: string) =>
        toMs(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(output));
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
      resolve({
        reqPerS: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0)),
        p50Ms: percentile('50'),
        p99Ms: percentile('99'),
        errors: non2xx + (socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0),
      });
    });
  });
}

function toMs(match: RegExpExecArray | null): number {
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const ms = match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  return Math.round(ms * 100) / 100;
}

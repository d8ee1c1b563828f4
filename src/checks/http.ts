import { z } from 'zod';
import type { CheckKind } from './check.ts';

const params = z.strictObject({
  /** Full URL; `$HOSTADDRESS$` style hosts are not needed: a relative `path` uses the host's address. */
  url: z.url().optional(),
  path: z.string().startsWith('/').default('/'),
  port: z.number().int().min(1).max(65535).optional(),
  tls: z.boolean().default(false),
  /** Accepted status codes; by default any 2xx or 3xx. */
  expect_status: z.array(z.number().int().min(100).max(599)).optional(),
});
type HttpParams = z.infer<typeof params>;

/** Fetches a URL and checks its status code and response time. */
export const httpCheck: CheckKind<HttpParams> = {
  kind: 'http',
  params,
  async run(p, target, env) {
    const url =
      p.url ??
      `${p.tls ? 'https' : 'http'}://${hostForUrl(target.host.address)}${p.port ? `:${p.port}` : ''}${p.path}`;
    const started = performance.now();
    try {
      const response = await fetch(url, { signal: env.signal, redirect: 'manual' });
      await response.body?.cancel();
      const seconds = (performance.now() - started) / 1000;
      const accepted = p.expect_status ? p.expect_status.includes(response.status) : response.status < 400;
      return {
        exitCode: accepted ? 0 : 2,
        output: `HTTP ${accepted ? 'OK' : 'CRITICAL'}: ${url} answered ${response.status} ${response.statusText} in ${seconds.toFixed(3)}s`,
        longOutput: '',
        perfdata: [{ label: 'time', value: Number(seconds.toFixed(6)), unit: 's', min: 0 }],
      };
    } catch (error) {
      const reason = env.signal.aborted
        ? `no answer within ${env.timeoutMs / 1000}s`
        : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
      return { exitCode: 2, output: `HTTP CRITICAL: ${url}: ${reason}`, longOutput: '', perfdata: [] };
    }
  },
};

function hostForUrl(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

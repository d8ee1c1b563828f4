import net from 'node:net';
import { z } from 'zod';
import type { CheckKind } from './check.ts';

const params = z.strictObject({
  port: z.number().int().min(1).max(65535),
  /** Defaults to the host's address. */
  host: z.string().min(1).optional(),
});
type TcpParams = z.infer<typeof params>;

/** Opens a TCP connection and reports how long it took. */
export const tcpCheck: CheckKind<TcpParams> = {
  kind: 'tcp',
  params,
  run(p, target, env) {
    const address = p.host ?? target.host.address;
    const started = performance.now();
    return new Promise((resolve) => {
      const socket = net.connect({ host: address, port: p.port });
      const finish = (exitCode: 0 | 2, output: string) => {
        env.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        const seconds = (performance.now() - started) / 1000;
        resolve({
          exitCode,
          output,
          longOutput: '',
          perfdata:
            exitCode === 0 ? [{ label: 'time', value: Number(seconds.toFixed(6)), unit: 's', min: 0 }] : [],
        });
      };
      const onAbort = () =>
        finish(2, `TCP CRITICAL - no connection to ${address}:${p.port} within ${env.timeoutMs / 1000}s`);
      env.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        const ms = performance.now() - started;
        finish(0, `TCP OK - ${(ms / 1000).toFixed(3)} second response time on ${address} port ${p.port}`);
      });
      socket.once('error', (error: NodeJS.ErrnoException) =>
        finish(2, `TCP CRITICAL - ${address}:${p.port}: ${error.code ?? error.message}`),
      );
    });
  },
};

// The command that moves the application to the new primary (a floating IP, a DNS record, an
// app config). It gets the new primary as `$1` and in VIGIL_NEW_PRIMARY, so one script serves
// both the swap and the rollback (VIGIL_SWAP_PHASE=rollback, the old primary as `$1`).
import { execFile } from 'node:child_process';
import { type Endpoint, formatEndpoint } from './endpoint.ts';

export interface HookCall {
  command: string;
  newPrimary: Endpoint;
  oldPrimary: Endpoint;
  phase: 'swap' | 'rollback';
  timeoutMs: number;
}

export function runHook(call: HookCall): Promise<string> {
  const newPrimary = formatEndpoint(call.newPrimary);
  const oldPrimary = formatEndpoint(call.oldPrimary);
  const env = {
    ...process.env,
    VIGIL_NEW_PRIMARY: newPrimary,
    VIGIL_NEW_PRIMARY_HOST: call.newPrimary.host,
    VIGIL_NEW_PRIMARY_PORT: String(call.newPrimary.port),
    VIGIL_OLD_PRIMARY: oldPrimary,
    VIGIL_OLD_PRIMARY_HOST: call.oldPrimary.host,
    VIGIL_OLD_PRIMARY_PORT: String(call.oldPrimary.port),
    VIGIL_SWAP_PHASE: call.phase,
  };
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/sh',
      ['-c', call.command, 'vigil-db-swap-hook', newPrimary, oldPrimary],
      { env, timeout: call.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';
        if (!error) return resolve(lastLine(stdout) || `hook pointed the application at ${newPrimary}`);
        const said = lastLine(stderr) || lastLine(stdout);
        const how = error.killed
          ? `did not finish within ${call.timeoutMs / 1000}s`
          : `exited with status ${error.code ?? '?'}`;
        reject(new Error(`the hook ${how}${said ? `: ${said}` : ''}`));
      },
    );
  });
}

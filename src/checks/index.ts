import type { CheckKind } from './check.ts';
import { dummyCheck } from './dummy.ts';
import { httpCheck } from './http.ts';
import { pluginCheck } from './plugin.ts';
import { tcpCheck } from './tcp.ts';

/** Every check kind Vigil knows, by the name used in config (`kind:`). */
export const checkKinds: ReadonlyMap<string, CheckKind<unknown>> = new Map(
  [pluginCheck, dummyCheck, tcpCheck, httpCheck].map((kind) => [kind.kind, kind as CheckKind<unknown>]),
);

import type { CheckKind } from './check.ts';
import { dummyCheck } from './dummy.ts';
import { httpCheck } from './http.ts';
import { mysqlCheck } from './mysql.ts';
import { pluginCheck } from './plugin.ts';
import { postgresCheck } from './postgres.ts';
import { redisCheck } from './redis.ts';
import { tcpCheck } from './tcp.ts';

/** Every check kind Vigil knows, by the name used in config (`kind:`). */
export const checkKinds: ReadonlyMap<string, CheckKind<unknown>> = new Map(
  [pluginCheck, dummyCheck, tcpCheck, httpCheck, mysqlCheck, redisCheck, postgresCheck].map((kind) => [
    kind.kind,
    kind as CheckKind<unknown>,
  ]),
);

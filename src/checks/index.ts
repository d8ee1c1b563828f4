import type { CheckKind } from './check.ts';
import { dnsCheck } from './dns.ts';
import { dummyCheck } from './dummy.ts';
import { forecastCheck } from './forecast.ts';
import { httpCheck } from './http.ts';
import { modulesCheck } from './modules.ts';
import { mysqlCheck } from './mysql.ts';
import { pingCheck } from './ping.ts';
import { pluginCheck } from './plugin.ts';
import { postgresCheck } from './postgres.ts';
import { redisCheck } from './redis.ts';
import { tcpCheck } from './tcp.ts';
import { tlsCheck } from './tls.ts';

/** Every check kind Vigil knows, by the name used in config (`kind:`). */
export const checkKinds: ReadonlyMap<string, CheckKind<unknown>> = new Map(
  [
    pluginCheck,
    dummyCheck,
    tcpCheck,
    httpCheck,
    tlsCheck,
    dnsCheck,
    pingCheck,
    mysqlCheck,
    redisCheck,
    postgresCheck,
    modulesCheck,
    forecastCheck,
  ].map((kind) => [kind.kind, kind as CheckKind<unknown>]),
);

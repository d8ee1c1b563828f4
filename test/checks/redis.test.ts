import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { parseInfo, redisCheck } from '../../src/checks/redis.ts';
import { freePort, ScratchServers, silentServer, waitFor } from '../helpers/local-servers.ts';
import { paramErrors, perfDatum, runCheck } from '../helpers/run-check.ts';

function connect(port: number): Redis {
  return new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
}

/** redis-server children on free loopback ports, each with its own empty directory. */
class RedisServers extends ScratchServers {
  async start(...extraArgs: string[]): Promise<number> {
    await this.makeScratchDir('vigil-redis-');
    const port = await freePort();
    this.spawnServer('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      this.dir,
      '--dbfilename',
      `dump-${port}.rdb`,
      ...extraArgs,
    ]);
    await waitFor(async () => {
      const probe = connect(port);
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, `redis-server on port ${port}`);
    return port;
  }
}

describe('redis check against the machine Redis (127.0.0.1:6379)', () => {
  test('a master checked as a master is OK with time, memory and client perfdata', async () => {
    const result = await runCheck(redisCheck, { role: 'master', db: 9 });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(
      result.output,
      /^REDIS OK - master, [\d.]+ [KMG]?i?B used( \(no maxmemory set\)| of .*), \d+ clients, \d+\.\d{3}s$/,
    );
    assert.equal(perfDatum(result, 'time')?.unit, 's');
    assert.equal(perfDatum(result, 'used_memory')?.unit, 'B');
    assert.ok((perfDatum(result, 'used_memory')?.value ?? 0) > 0);
    assert.ok((perfDatum(result, 'connected_clients')?.value ?? 0) >= 1);
    assert.match(result.longOutput, /^Redis 7\.\d+\.\d+, role master/);
  });

  test('a master checked as a replica is CRITICAL', async () => {
    const result = await runCheck(redisCheck, { role: 'replica' });
    assert.equal(result.exitCode, 2);
    assert.match(result.output, /^REDIS CRITICAL - is a master, expected a replica$/);
  });

  test('a database index the server does not have is CRITICAL with its error', async () => {
    const result = await runCheck(redisCheck, { db: 100000 });
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      'REDIS CRITICAL - 127.0.0.1:6379: selecting db 100000: ERR DB index is out of range',
    );
  });

  test('a refused port is CRITICAL naming ECONNREFUSED', async () => {
    const port = await freePort();
    const result = await runCheck(redisCheck, { port });
    assert.equal(result.exitCode, 2);
    assert.equal(result.output, `REDIS CRITICAL - cannot connect to 127.0.0.1:${port}: ECONNREFUSED`);
  });

  test('a server that accepts TCP but never answers is CRITICAL at the timeout, with the socket closed', async () => {
    const silent = await silentServer();
    try {
      const result = await runCheck(redisCheck, { port: silent.port }, { timeoutMs: 300 });
      assert.equal(result.exitCode, 2);
      assert.equal(
        result.output,
        `REDIS CRITICAL - no answer from 127.0.0.1:${silent.port} within 0.3s (while connecting)`,
      );
      assert.ok(result.elapsedMs < 600, `took ${result.elapsedMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await silent.openConnections(), 0);
    } finally {
      silent.close();
    }
  });

  test('params are validated', () => {
    assert.match(
      paramErrors(redisCheck, { role: 'primary' })[0] ?? '',
      /role must be master, replica or any/,
    );
    assert.match(paramErrors(redisCheck, { mem_warn: '90%' })[0] ?? '', /mem_warn: threshold "90%"/);
    assert.deepEqual(paramErrors(redisCheck, { password: 'a', password_file: '/b' }), [
      'password_file: give password or password_file, not both',
    ]);
  });

  test('INFO parsing keeps keys from every section and ignores headers', () => {
    const info = parseInfo(
      '# Server\r\nredis_version:7.0.15\r\n\r\n# Replication\r\nrole:slave\r\nmaster_host:::1\r\n',
    );
    assert.equal(info.get('redis_version'), '7.0.15');
    assert.equal(info.get('role'), 'slave');
    assert.equal(info.get('master_host'), '::1');
  });
});

describe('redis check against servers the test starts', () => {
  const servers = new RedisServers();
  let own = 0;

  before(async () => {
    own = await servers.start(
      '--maxmemory',
      '32mb',
      '--maxmemory-policy',
      'noeviction',
      '--maxclients',
      '50',
    );
  });
  after(() => servers.stop());

  test('memory in percent of maxmemory: thresholds, perfdata and plain words', async () => {
    const writer = connect(own);
    await writer.connect();
    try {
      const baseline = await runCheck(redisCheck, { port: own, mem_warn: 50, mem_crit: 80 });
      assert.equal(baseline.exitCode, 0, baseline.output);
      assert.match(baseline.output, /of 32\.0 MiB used \([\d.]+%\)/);
      // 1 MiB at a time: one big SET would need its query buffer on top and hit maxmemory itself.
      for (let i = 0; i < 13; i++) await writer.set(`ballast:${i}`, 'x'.repeat(1024 * 1024));
      const warning = await runCheck(redisCheck, { port: own, mem_warn: 50, mem_crit: 80 });
      assert.equal(warning.exitCode, 1, warning.output);
      assert.match(
        warning.output,
        /^REDIS WARNING - memory .* of 32\.0 MiB used \((5\d|6\d|7\d)\.\d%\), outside 50$/,
      );
      const pct = perfDatum(warning, 'used_memory_pct');
      assert.equal(pct?.unit, '%');
      assert.equal(pct?.warn, '50');
      assert.equal(pct?.crit, '80');
      assert.equal(perfDatum(warning, 'used_memory')?.max, 32 * 1024 * 1024);
      const critical = await runCheck(redisCheck, { port: own, mem_warn: 20, mem_crit: 40 });
      assert.equal(critical.exitCode, 2, critical.output);
      assert.match(critical.output, /outside 40$/);
    } finally {
      await writer.del(...Array.from({ length: 13 }, (_, i) => `ballast:${i}`));
      writer.disconnect();
    }
  });

  test('without maxmemory only used memory is reported, and said so', async () => {
    const writer = connect(own);
    await writer.connect();
    try {
      await writer.config('SET', 'maxmemory', '0');
      const result = await runCheck(redisCheck, { port: own, mem_warn: 1 });
      assert.equal(result.exitCode, 0, result.output);
      assert.match(result.output, /B used \(no maxmemory set\)/);
      assert.equal(perfDatum(result, 'used_memory_pct'), undefined);
    } finally {
      await writer.config('SET', 'maxmemory', String(32 * 1024 * 1024));
      writer.disconnect();
    }
  });

  test('connected clients against thresholds, with maxclients as the perfdata maximum', async () => {
    const extra = [connect(own), connect(own), connect(own)];
    await Promise.all(extra.map((client) => client.connect()));
    try {
      // Three idle clients plus the check's own connection.
      const result = await runCheck(redisCheck, { port: own, clients_warn: 2, clients_crit: 3 });
      assert.equal(result.exitCode, 2, result.output);
      assert.equal(result.output, 'REDIS CRITICAL - 4 connected clients (outside 3)');
      assert.deepEqual(perfDatum(result, 'connected_clients'), {
        label: 'connected_clients',
        value: 4,
        unit: '',
        warn: '2',
        crit: '3',
        min: 0,
        max: 50,
      });
    } finally {
      for (const client of extra) client.disconnect();
    }
  });

  test('an ACL user with only +ping +info is enough; a wrong password is an authentication failure', async () => {
    const admin = connect(own);
    await admin.connect();
    try {
      await admin.acl('SETUSER', 'vigil', 'on', '>watch', '+ping', '+info');
      const ok = await runCheck(redisCheck, { port: own, username: 'vigil', password: 'watch' });
      assert.equal(ok.exitCode, 0, ok.output);
      const denied = await runCheck(redisCheck, { port: own, username: 'vigil', password: 'nope' });
      assert.equal(denied.exitCode, 2);
      assert.match(denied.output, /^REDIS CRITICAL - authentication failed at 127\.0\.0\.1:\d+: WRONGPASS/);
    } finally {
      await admin.acl('DELUSER', 'vigil');
      admin.disconnect();
    }
  });

  test('a replica of the machine Redis with its link up is OK with lag perfdata', async () => {
    const replica = await servers.start('--replicaof', '127.0.0.1', '6379');
    const probe = connect(replica);
    await probe.connect();
    try {
      await waitFor(
        async () => parseInfo(await probe.info('replication')).get('master_link_status') === 'up',
        'the replica link to come up',
      );
    } finally {
      probe.disconnect();
    }
    const result = await runCheck(redisCheck, { port: replica, role: 'replica' });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(result.output, /^REDIS OK - replica of 127\.0\.0\.1:6379, link up, last IO \d+s ago, /);
    const lag = perfDatum(result, 'lag');
    assert.equal(lag?.unit, 's');
    assert.equal(lag?.warn, '30');
    assert.equal(lag?.crit, '60');
    assert.ok((lag?.value ?? -1) >= 0);

    const asMaster = await runCheck(redisCheck, { port: replica, role: 'master' });
    assert.equal(asMaster.exitCode, 2);
    assert.equal(asMaster.output, 'REDIS CRITICAL - is a replica of 127.0.0.1:6379, expected a master');
  });

  test('a replica whose master is gone is CRITICAL: link down', async () => {
    const deadPort = await freePort();
    const replica = await servers.start('--replicaof', '127.0.0.1', String(deadPort));
    const result = await runCheck(redisCheck, { port: replica, role: 'replica' });
    assert.equal(result.exitCode, 2);
    assert.match(
      result.output,
      new RegExp(`^REDIS CRITICAL - replication link to 127\\.0\\.0\\.1:${deadPort} is down`),
    );
    assert.equal(perfDatum(result, 'lag'), undefined);
  });
});

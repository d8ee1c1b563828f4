// Both store backends for tests: SQLite in a temporary file and PostgreSQL in a freshly
// created database, each migrated; everything opened is closed and removed after the file's tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import type { RetentionPolicy } from '../../src/store/retention.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { Store } from '../../src/store/store.ts';

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store. */
  open(retention?: RetentionPolicy): Promise<Store>;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A directory for this test file's SQLite files, removed afterwards. */
export const storeDir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
cleanups.push(async () => rmSync(storeDir, { recursive: true, force: true }));

/** Runs after the file's tests, before the directory goes. */
export function cleanUpLater(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

let sqliteFiles = 0;
export const sqlite: Backend = {
  name: 'sqlite',
  async open(retention) {
    const store = await openSqliteStore(join(storeDir, `store-${sqliteFiles++}.db`), retention);
    cleanups.push(() => store.close());
    await store.migrate();
    return store;
  },
};

/** The database the last `postgres.open()` created, for tests that disturb its connections. */
export let lastPostgresDatabase = '';

export const postgres: Backend = {
  name: 'postgres',
  async open(retention) {
    const database = `vigil_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    lastPostgresDatabase = database;
    await adminQuery(`create database ${database}`);
    cleanups.push(() => adminQuery(`drop database if exists ${database} with (force)`));
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${database}`;
    const store = await openPostgresStore(url.toString(), { retention });
    cleanups.push(() => store.close());
    await store.migrate();
    return store;
  },
};

export const backends = [sqlite, postgres];

export async function adminQuery(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

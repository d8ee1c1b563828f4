// Child process for the crash test: writes batches as fast as it can and prints each batch
// number only after write() resolved, until the test kills it with SIGKILL.
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { CRASH_EVENTS_PER_BATCH, CRASH_FIRST_AT, stateEvent } from './fixtures.ts';

async function writeUntilKilled(path: string): Promise<void> {
  const store = await openSqliteStore(path);
  await store.migrate();
  for (let batchNumber = 0; ; batchNumber++) {
    const events = [];
    for (let i = 0; i < CRASH_EVENTS_PER_BATCH; i++) {
      events.push(stateEvent(`crash/svc${i}`, CRASH_FIRST_AT + batchNumber));
    }
    await store.write({ results: [], states: [], events });
    process.stdout.write(`${batchNumber}\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const path = process.argv[2];
if (path !== undefined) await writeUntilKilled(path);

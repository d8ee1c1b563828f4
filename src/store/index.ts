// The one place that picks a backend from the configuration.
import type { StoreSettings } from '../model/types.ts';
import { openPostgresStore } from './postgres/index.ts';
import { openSqliteStore } from './sqlite/index.ts';
import type { Store } from './store.ts';

export type { RetentionPolicy } from './retention.ts';
export { DEFAULT_RETENTION } from './retention.ts';
export type * from './store.ts';

/** Open (not migrate) the configured store; call migrate() before the first write. */
export async function openStore(settings: StoreSettings): Promise<Store> {
  const retention = {
    resultRetentionMs: settings.resultRetentionMs,
    downsampledRetentionMs: settings.downsampledRetentionMs,
    historyRetentionMs: settings.historyRetentionMs,
  };
  switch (settings.kind) {
    case 'sqlite':
      return openSqliteStore(settings.path, retention);
    case 'postgres':
      return openPostgresStore(settings.url, { retention });
  }
}

import path from 'node:path';
import type { Settings } from '../../model/types.ts';

/** Where the generated site lives: `status_site.output`, else status-site/ beside the SQLite file. */
export function siteDirOf(settings: Settings): string {
  return settings.statusSite?.outputDir ?? path.join(path.dirname(settings.store.path), 'status-site');
}

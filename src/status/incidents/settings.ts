import { STATUS_SITE_DEFAULTS } from '../../config/resolve.ts';
import type { Settings, StatusSiteSettings } from '../../model/types.ts';

/** The status site settings, with the defaults for a model built without a config file. */
export function statusSiteOf(settings: Settings): StatusSiteSettings {
  return (
    settings.statusSite ?? {
      title: STATUS_SITE_DEFAULTS.title,
      siteUrl: '',
      timeZone: STATUS_SITE_DEFAULTS.timeZone,
      publishDelayMs: STATUS_SITE_DEFAULTS.publishDelayMs,
      resolveAfterMs: STATUS_SITE_DEFAULTS.resolveAfterMs,
      firstPostPromiseMs: STATUS_SITE_DEFAULTS.firstPostPromiseMs,
      uptimeSince: 0,
      subscribers: { confirmWithinMs: STATUS_SITE_DEFAULTS.confirmWithinMs, linkBase: '' },
    }
  );
}

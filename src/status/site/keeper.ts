import type { StatusSitePublisher } from '../../model/types.ts';
import { type PublishLog, type RetryPolicy, SitePublishing } from '../publish/runner.ts';
import type { StatusSnapshot } from '../snapshot.ts';
import { type GeneratedSite, generateSite } from './generate-site.ts';

// The status site as the daemon keeps it: regenerated when the incident manager reports a public
// change (and once a minute, for what moves with the clock: the day in the uptime bars,
// maintenance starting), written atomically, and handed to the publishers. Requests that arrive
// while a generation runs are folded into one more run.

export interface SiteKeeperOptions {
  siteDir: () => string;
  publishers: () => readonly StatusSitePublisher[];
  /** The snapshot of now (the snapshot builder over the store). */
  snapshot: () => Promise<StatusSnapshot>;
  log: PublishLog & { warn(object: object, message: string): void };
  retry?: RetryPolicy;
  /** How often to look again without a change report; default 60 s. */
  intervalMs?: number;
}

export class StatusSiteKeeper {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private publishing: SitePublishing | undefined;
  private publishingDir = '';
  private generations = 0;
  private skipped = 0;
  private failures = 0;
  private lastGeneratedAt = 0;

  constructor(private readonly options: SiteKeeperOptions) {}

  start(): void {
    this.requestRegeneration();
    this.timer = setInterval(() => this.requestRegeneration(), this.options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.again = false;
    await this.running;
    this.publishing?.stop();
  }

  /** Something customers see may have changed: build the snapshot and regenerate (coalesced). */
  requestRegeneration(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.regenerateStatusSite(await this.options.snapshot());
        } catch (error) {
          this.failures++;
          this.options.log.error({ err: error }, 'status site generation failed; the previous site stays');
        }
      } while (this.again);
      this.running = undefined;
    })();
  }

  /** Writes the site for this snapshot (when it changed) and publishes it. */
  async regenerateStatusSite(snapshot: StatusSnapshot): Promise<GeneratedSite> {
    const siteDir = this.options.siteDir();
    const generated = await generateSite(siteDir, snapshot);
    if (!generated.changed) {
      this.skipped++;
      return generated;
    }
    this.generations++;
    this.lastGeneratedAt = Date.now();
    this.options.log.info(
      {
        dir: generated.dir,
        files: generated.files,
        reused: generated.reused,
        ms: Math.round(generated.renderMs + generated.writeMs),
      },
      'status site generated',
    );
    if (!this.publishing || this.publishingDir !== siteDir) {
      this.publishing?.stop();
      this.publishing = new SitePublishing(siteDir, this.options.log, this.options.retry);
      this.publishingDir = siteDir;
    }
    this.publishing.offer(generated.dir, this.options.publishers());
    return generated;
  }

  /** Prometheus lines for /metrics. */
  metricLines(): string[] {
    const lines = [
      '# HELP vigil_status_site_generations_total Status site generations written (changed snapshots).',
      '# TYPE vigil_status_site_generations_total counter',
      `vigil_status_site_generations_total ${this.generations}`,
      '# HELP vigil_status_site_generation_failures_total Status site generations that failed (the previous site stayed).',
      '# TYPE vigil_status_site_generation_failures_total counter',
      `vigil_status_site_generation_failures_total ${this.failures}`,
      '# HELP vigil_status_site_last_generated_timestamp_seconds When the live status site was generated.',
      '# TYPE vigil_status_site_last_generated_timestamp_seconds gauge',
      `vigil_status_site_last_generated_timestamp_seconds ${Math.floor(this.lastGeneratedAt / 1000)}`,
      '# HELP vigil_status_site_publishes_total Publish attempts per publisher and outcome.',
      '# TYPE vigil_status_site_publishes_total counter',
    ];
    const counters = this.publishing?.counters() ?? new Map();
    for (const [name, c] of counters) {
      const label = name.replace(/["\\\n]/g, '_');
      lines.push(`vigil_status_site_publishes_total{publisher="${label}",outcome="success"} ${c.successes}`);
      lines.push(`vigil_status_site_publishes_total{publisher="${label}",outcome="failure"} ${c.failures}`);
    }
    return lines;
  }
}

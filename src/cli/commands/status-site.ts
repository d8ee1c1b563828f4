import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Model } from '../../model/types.ts';
import { componentStatuses, healthFromStates } from '../../status/component-status.ts';
import { readPublishStatus } from '../../status/publish/publish-state.ts';
import { publishOnce } from '../../status/publish/runner.ts';
import { StatusSiteServer } from '../../status/serve.ts';
import { generateSite } from '../../status/site/generate-site.ts';
import { currentGeneration } from '../../status/site/generation-writer.ts';
import { siteDirOf } from '../../status/site/site-dir.ts';
import { readSnapshotFile } from '../../status/site/snapshot-file.ts';
import type { StatusSnapshot } from '../../status/snapshot.ts';
import { loadStatusSnapshot } from '../../status/snapshot-builder.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

// `vigil status-site generate | serve | status`: the public status site from the terminal.

/** The site directory: --dir/--out, else the configuration's, else a clear error. */
async function siteDirFrom(
  given: string | undefined,
  config: string,
): Promise<{ dir: string; model?: Model }> {
  if (given) return { dir: path.resolve(given) };
  if (!existsSync(config))
    throw new CliError(`no --dir given and no configuration at ${config} to find the site in`);
  const model = await loadModelOrFail(config);
  return { dir: siteDirOf(model.settings), model };
}

/** The snapshot of now, from the store, as the daemon builds it. */
async function snapshotFromStore(model: Model): Promise<StatusSnapshot> {
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const states = await store.loadStates();
    const statuses = componentStatuses(model.components, {
      health: healthFromStates(model, states, []),
      inMaintenance: () => false,
    });
    return await loadStatusSnapshot(store, model, statuses, Date.now());
  } finally {
    await store.close();
  }
}

export async function statusSiteGenerateCommand(options: {
  config: string;
  out?: string;
  snapshot?: string;
  publish?: boolean;
  force?: boolean;
}): Promise<void> {
  let snapshot: StatusSnapshot;
  let model: Model | undefined;
  if (options.snapshot) {
    snapshot = await readSnapshotFile(options.snapshot).catch((error: Error) => {
      throw new CliError(error.message);
    });
  } else {
    model = await loadModelOrFail(options.config);
    process.stderr.write('reading incidents, maintenance and availability from the store...\n');
    snapshot = await snapshotFromStore(model);
  }
  const dir = options.out ? path.resolve(options.out) : model ? siteDirOf(model.settings) : undefined;
  if (!dir) throw new CliError('give --out DIR (or a configuration with status_site.output)');
  process.stderr.write(
    `generating ${snapshot.components.length} components, ${snapshot.incidents.length} incidents into ${dir}...\n`,
  );
  const generated = await generateSite(dir, snapshot, { force: options.force ?? false });
  process.stdout.write(
    generated.changed
      ? `generated ${generated.files} files (${generated.reused} unchanged) in ${Math.round(generated.renderMs + generated.writeMs)} ms: ${generated.dir}\n`
      : `unchanged since the live generation: ${generated.dir}\n`,
  );
  if (!options.publish) return;
  const publishers =
    model?.settings.statusSite?.publishers ??
    (await loadModelOrFail(options.config)).settings.statusSite?.publishers ??
    [];
  let failed = 0;
  for (const publisher of publishers) {
    process.stderr.write(`publishing to ${publisher.name} (${publisher.kind})...\n`);
    try {
      const result = await publishOnce(dir, publisher, generated.dir, AbortSignal.timeout(10 * 60_000));
      process.stdout.write(`${publisher.name}: ${result.uploaded} uploaded, ${result.deleted} deleted\n`);
    } catch (error) {
      failed++;
      process.stderr.write(
        `${publisher.name}: publish failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }
  if (failed > 0)
    throw new CliError(`${failed} of ${publishers.length} publishers failed; their previous site stays`);
}

export async function statusSiteServeCommand(options: {
  config: string;
  dir?: string;
  listen: string;
}): Promise<void> {
  const { dir } = await siteDirFrom(options.dir, options.config);
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(options.listen.trim());
  if (!match) throw new CliError(`--listen "${options.listen}" is not host:port (e.g. 0.0.0.0:8480)`);
  const host = match[1] ?? (match[2] || '0.0.0.0');
  const port = Number(match[3]);
  if (port > 65_535) throw new CliError(`--listen "${options.listen}": port ${port} is out of range`);
  if (!existsSync(path.join(dir, 'current')))
    process.stderr.write(`warning: ${dir} has no generated site yet; answering 404 until it has\n`);
  const server = new StatusSiteServer({
    siteDir: dir,
    log: (message) => process.stderr.write(`${message}\n`),
  });
  const address = await server.listen(host, port).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot listen on ${options.listen}: ${error.code ?? error.message}`);
  });
  process.stderr.write(`serving the status site in ${dir} at http://${address}/\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function iso(at: number | undefined): string {
  return at ? new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

export async function statusSiteStatusCommand(options: {
  config: string;
  dir?: string;
  json?: boolean;
}): Promise<void> {
  const { dir, model } = await siteDirFrom(options.dir, options.config);
  const status = await readPublishStatus(dir);
  const configured = model?.settings.statusSite?.publishers ?? [];
  for (const publisher of configured)
    status[publisher.name] ??= { kind: publisher.kind, target: '', consecutiveFailures: 0 };
  const live = await currentGeneration(dir).catch(() => undefined);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ siteDir: dir, liveGeneration: live ?? null, publishers: status }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(`site: ${dir}\nlive generation: ${live ? path.basename(live) : 'none yet'}\n`);
  const names = Object.keys(status);
  if (names.length === 0) {
    process.stdout.write('no publishers configured: the site is only in the directory above\n');
    return;
  }
  const rows = names.map((name) => {
    const s = status[name];
    const state = !s?.lastAttemptAt
      ? 'never run'
      : (s.consecutiveFailures ?? 0) > 0
        ? `FAILING (${s.consecutiveFailures}x)`
        : 'ok';
    return [
      name,
      s?.kind ?? '',
      state,
      iso(s?.lastSuccessAt),
      iso(s?.lastFailureAt),
      s?.retryAt && s.consecutiveFailures ? iso(s.retryAt) : '',
      s?.lastError ?? '',
    ];
  });
  process.stdout.write(
    `${renderTable(['PUBLISHER', 'KIND', 'STATE', 'LAST SUCCESS', 'LAST FAILURE', 'NEXT RETRY', 'LAST ERROR'], rows)}\n`,
  );
  if (names.some((name) => (status[name]?.consecutiveFailures ?? 0) > 0)) process.exitCode = 2;
}

import pino, { type Logger } from 'pino';
import { registerDashboard } from '../../web/dashboard.ts';
import { type Alert, alertFromProblem } from '../alerting/alert.ts';
import { channelKinds } from '../alerting/channels/index.ts';
import { DeliveryWorker } from '../alerting/delivery.ts';
import { Escalator } from '../alerting/escalation.ts';
import { buildAlertPipeline, deliveryPath } from '../alerting/index.ts';
import type { Stage } from '../alerting/pipeline.ts';
import { Suppressions } from '../alerting/suppressions.ts';
import type { Daemon, ReloadOutcome } from '../api/daemon.ts';
import { EventBus, publishProblems, publishStateEvents, publishSuppressionAlerts } from '../api/events.ts';
import { startApi } from '../api/server.ts';
import { LedgerKeeper } from '../availability/ledger-keeper.ts';
import { Spawner } from '../checks/plugin/spawner.ts';
import { formatConfigError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { Engine, type ReloadSummary } from '../engine/engine.ts';
import type { Model } from '../model/types.ts';
import { statusParts } from '../status/incidents/daemon-parts.ts';
import { StatusSiteKeeper } from '../status/site/keeper.ts';
import { siteDirOf } from '../status/site/site-dir.ts';
import { loadStatusSnapshot } from '../status/snapshot-builder.ts';
import { subscriberChannels } from '../status/subscribers/channels.ts';
import { openStore } from '../store/index.ts';
import { DELIVERED_RETENTION_MS } from '../store/outbox.ts';
import type { Store } from '../store/store.ts';
import { describeProblem } from '../topology/describe-problem.ts';
import { type ProblemEvent, ProblemTracker } from '../topology/problem-tracker.ts';

export interface DaemonOptions {
  /** Told about every root-cause problem opened or resolved (the input of alerting). */
  onProblem?: (event: ProblemEvent) => void;
  configPath: string;
  model: Model;
  log?: Logger;
  /** Overrides the configured store (the demo keeps its database apart). */
  storePath?: string;
}

/** Starts the store, the engine and the API for a loaded model. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const log = options.log ?? pino({ name: 'vigil' });
  const settings = options.model.settings;
  const storeSettings = options.storePath
    ? { ...settings.store, kind: 'sqlite' as const, path: options.storePath }
    : settings.store;
  const started = performance.now();
  const store = await openStore(storeSettings);
  await store.migrate();
  const restored = await store.loadStates();
  // Live events for the API's stream: committed state changes, problems, acknowledgements, downtime.
  const liveEvents = new EventBus();
  const spawner = new Spawner();
  const delivery = new DeliveryWorker({
    outbox: store.outbox,
    // Subscribers' e-mail and webhooks have channel kinds of their own (src/status/subscribers/channels.ts).
    channels: new Map([...channelKinds, ...subscriberChannels]),
    // Configured receivers, and status-site subscribers (each a receiver of its own).
    receivers: () => status.receivers.view(engine.currentModel),
    log,
  });
  // Incidents on the status site follow root-cause problems; subscribers hear of their updates.
  const status = statusParts({
    store,
    model: () => engine.currentModel,
    stateOf: (objectId) => engine.stateOf(objectId),
    log,
    wakeDelivery: () => delivery.wake(),
    apiBase: () => (daemon.apiAddress ? `http://${daemon.apiAddress}` : ''),
  });
  // The public status site is regenerated (atomically) and published when what customers see
  // changes; without components or publishers there is nothing to show (docs/status/site.md).
  const statusSite = new StatusSiteKeeper({
    siteDir: () => siteDirOf(engine.currentModel.settings),
    publishers: () => engine.currentModel.settings.statusSite?.publishers ?? [],
    snapshot: () => loadStatusSnapshot(store, engine.currentModel, status.statuses(), Date.now()),
    log,
  });
  const statusSiteWanted = () =>
    engine.currentModel.components.size > 0 ||
    (engine.currentModel.settings.statusSite?.publishers?.length ?? 0) > 0;
  status.incidents.onPublicChange(() => {
    if (statusSiteWanted()) statusSite.requestRegeneration();
  });
  // Acknowledgements and downtime: written by the CLI and the API, read back every few seconds.
  const suppressions = new Suppressions({
    store,
    model: options.model,
    clock: Date.now,
    log,
    stateOf: (objectId) => engine.stateOf(objectId),
    emit: (alerts) => {
      publishSuppressionAlerts(liveEvents, alerts);
      runAlerts(alerts);
    },
  });
  // The availability ledger follows committed hard states and downtime, and records that we run.
  const ledgerKeeper = new LedgerKeeper({
    ledger: store.availability,
    downtimes: store.downtimes,
    model: options.model,
    states: restored,
    clock: Date.now,
    log,
  });
  const escalator = new Escalator({
    store: store.escalations,
    model: () => engine.currentModel,
    clock: Date.now,
    isAcknowledged: (objectId, at) => suppressions.isAcknowledged(objectId, at),
    isInDowntime: (objectId, at) => suppressions.isInDowntime(objectId, at),
    emit: (alerts) =>
      deliveryPath(engine.currentModel, store.outbox, Date.now, () => delivery.wake())(alerts),
  });
  let pipeline: Stage = buildAlertPipeline(
    options.model,
    store.outbox,
    Date.now,
    () => delivery.wake(),
    escalator,
    suppressions,
  );
  // Alerts pass the pipeline one batch at a time, in the order their problems were decided.
  let alerting: Promise<unknown> = Promise.resolve();
  // Root-cause analysis follows committed state changes only: what it announces survives a crash.
  let tracker = new ProblemTracker(options.model, restored, Date.now());
  const engine = new Engine(options.model, restored, {
    store,
    spawner,
    log,
    onCommitted: (events) => {
      for (const event of events) {
        if (event.kind !== 'soft-change')
          log.info({ event }, `${event.objectId}: ${event.kind} ${event.output}`);
      }
      suppressions.noteStateEvents(events);
      ledgerKeeper.noteStateEvents(events);
      publishStateEvents(liveEvents, engine.currentModel, events);
      announce(tracker.apply(events));
      for (const objectId of tracker.takeRechecks()) {
        const asked = tracker;
        engine.checkNow(objectId, (state) => {
          if (asked === tracker) announce(tracker.confirm(objectId, state));
        });
      }
    },
  });
  function announce(problems: ProblemEvent[]): void {
    if (problems.length === 0) return;
    const model = engine.currentModel;
    for (const problem of problems) {
      log.warn({ problem }, describeProblem(model, problem));
      options.onProblem?.(problem);
    }
    publishProblems(liveEvents, model, problems);
    void status.incidents.noteProblems(problems);
    const alerts = problems.map((problem) =>
      alertFromProblem(model, problem, engine.stateOf(problem.objectId)),
    );
    runAlerts(alerts, problems);
  }
  /**
   * Alerts pass the pipeline one batch at a time, in order. A batch that fails (the store
   * is busy or unreachable) is retried with backoff until its notifications are queued:
   * alerts wait, they are not dropped.
   */
  function runAlerts(alerts: Alert[], problems: ProblemEvent[] = []): void {
    alerting = alerting.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await pipeline(alerts);
          // After the outbox write: a crash in between announces the problem again on start.
          await store.announced.record(
            problems.filter((p) => p.kind === 'opened').map((p) => ({ objectId: p.objectId, at: p.at })),
            problems.filter((p) => p.kind === 'resolved').map((p) => p.objectId),
          );
          return;
        } catch (error) {
          if (attempt === 1 || attempt % 10 === 0) {
            log.error({ err: error, alerts: alerts.length, attempt }, 'alert pipeline failed; retrying');
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 30_000)));
        }
      }
    });
  }
  // Problems open now but never announced (a crash before their notifications were queued)
  // are announced now; announced ones that recovered while Vigil was down resolve.
  announce(tracker.adopt(await store.announced.list()));
  await ledgerKeeper.start();
  await status.start();
  if (statusSiteWanted()) statusSite.start();
  engine.start();
  delivery.start();
  await suppressions.start();
  // Dependencies limited to a time period start and stop counting as the clock moves,
  // and escalations reach their next step.
  const clockTimer = setInterval(() => {
    announce(tracker.tick(Date.now()));
    alerting = alerting
      .then(() => escalator.tick())
      .catch((error: unknown) => log.error({ err: error }, 'escalation failed; will try again'));
  }, 5_000);
  clockTimer.unref();
  log.info(
    {
      hosts: options.model.hosts.size,
      services: options.model.services.size,
      restoredStates: restored.length,
      store: storeSettings.kind,
      readyInMs: Math.round(performance.now() - started),
    },
    'vigil is checking',
  );

  // Retention: downsample and delete old data in the background, never on the result path.
  const maintain = async () => {
    try {
      const report = await store.maintain(Date.now());
      // Delivered notifications are kept for the noise report; failed ones stay until retried.
      await store.outbox.prune(Date.now() - DELIVERED_RETENTION_MS);
      if (report.resultsDeleted + report.samplesDeleted + report.eventsDeleted > 0)
        log.info(report, 'store maintenance');
    } catch (error) {
      log.error({ err: error }, 'store maintenance failed; will try again');
    }
  };
  const firstMaintenance = setTimeout(maintain, 60_000);
  const maintenanceTimer = setInterval(maintain, 10 * 60_000);
  firstMaintenance.unref();
  maintenanceTimer.unref();

  let reloading: Promise<ReloadOutcome> | undefined;
  const reload = async (): Promise<ReloadOutcome> => {
    const loaded = await loadConfig(options.configPath);
    if (!loaded.ok) {
      const errors = loaded.errors.map(formatConfigError);
      log.error({ errors }, 'reload refused: the new configuration is invalid; the running one stays');
      return { ok: false, errors };
    }
    // Everything that can throw on the new model is built before the engine switches to it.
    const nextTracker = new ProblemTracker(loaded.model, engine.allStates(), Date.now());
    const nextPipeline = buildAlertPipeline(
      loaded.model,
      store.outbox,
      Date.now,
      () => delivery.wake(),
      escalator,
      suppressions,
    );
    const summary = engine.applyModel(loaded.model);
    suppressions.setModel(loaded.model);
    ledgerKeeper.setModel(loaded.model);
    pipeline = nextPipeline;
    const previous = tracker;
    tracker = nextTracker;
    announce(tracker.adopt(previous.openProblems()));
    log.info(summary, 'configuration reloaded');
    return { ok: true, summary };
  };
  const serialisedReload = () => {
    reloading ??= reload().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };

  const daemon: Daemon = {
    engine,
    store,
    log,
    suppressions,
    reload: serialisedReload,
    apiAddress: undefined,
    events: liveEvents,
    deliveryMetrics: () => delivery.metrics,
    incidents: status.incidents,
    subscriptions: status.subscriptions,
    componentStatuses: status.statuses,
    statusSiteMetricLines: () => statusSite.metricLines(),
    async stop() {
      clearTimeout(firstMaintenance);
      clearInterval(clockTimer);
      clearInterval(maintenanceTimer);
      await suppressions.stop();
      // Ends the live streams, so closing the API does not wait for their clients.
      liveEvents.close();
      await api?.close();
      await engine.stop();
      await alerting;
      await status.stop();
      await statusSite.stop();
      await ledgerKeeper.stop();
      await delivery.stop();
      await spawner.close();
      await store.close();
    },
  };
  const api = settings.listen
    ? await startApi(daemon, settings.listen, { registrars: [registerDashboard] })
    : undefined;
  daemon.apiAddress = api?.address;
  return daemon;
}

/** Runs until SIGINT/SIGTERM; SIGHUP reloads the configuration. */
export function handleSignals(daemon: Daemon): void {
  process.on('SIGHUP', () => {
    daemon
      .reload()
      .catch((error: unknown) =>
        daemon.log.error({ err: error }, 'reload failed; the running configuration stays'),
      );
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    daemon.log.info(`${signal}: finishing running checks and writing results`);
    daemon.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        daemon.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

// The composition root: serves HTTP, opens the database, migrates, checks Slack, connects the
// Slack app, and takes it all down again in order. main.ts and the end-to-end tests both use it.
import { WebClient } from "@slack/web-api";
import type { Clock } from "#src/clock.ts";
import { systemClock } from "#src/clock.ts";
import type { Config } from "#src/config.ts";
import type { Deps } from "#src/context.ts";
import type { CrmProvider } from "#src/crm/crm-provider.ts";
import { hubspotConversionPoller } from "#src/crm/hubspot/conversion-poll.ts";
import { createHubSpotApi } from "#src/crm/hubspot/hubspot-api.ts";
import { hubspotOwnerLookup } from "#src/crm/hubspot/owner-lookup.ts";
import { OwnerDirectory } from "#src/crm/owner-directory.ts";
import { salesforceConversionPoller } from "#src/crm/salesforce/conversions.ts";
import { salesforceOwnerLookup } from "#src/crm/salesforce/owner-lookup.ts";
import { createSalesforceApi } from "#src/crm/salesforce/salesforce-api.ts";
import { type Database, openDatabase } from "#src/db/database.ts";
import { applyMigrations, migrationStatus } from "#src/db/migrator.ts";
import { FatalError } from "#src/errors.ts";
import { type Readiness, registerHealthRoutes } from "#src/http/health-routes.ts";
import { registerHubSpotRoutes } from "#src/http/hubspot-routes.ts";
import { registerIntakeRoutes } from "#src/http/intake-routes.ts";
import { registerSalesforceRoutes } from "#src/http/salesforce-routes.ts";
import { createHttpServer, type HttpServer, sendJson } from "#src/http/server.ts";
import { CrmPollScheduler } from "#src/jobs/crm-poll-scheduler.ts";
import { DigestScheduler } from "#src/jobs/digest-scheduler.ts";
import { SlaScheduler } from "#src/jobs/sla-scheduler.ts";
import { AckGate } from "#src/lib/ack-gate.ts";
import type { Worker } from "#src/lib/worker.ts";
import { boltLogger, type Logger } from "#src/logger.ts";
import { createMetrics, type Metrics } from "#src/metrics.ts";
import { cardBurst, cardHandlers } from "#src/outbox/card-handlers.ts";
import { digestHandlers } from "#src/outbox/digest-handlers.ts";
import type { HubSpotConnection } from "#src/outbox/hubspot-calls.ts";
import { hubspotBatch, hubspotHandlers } from "#src/outbox/hubspot-handlers.ts";
import { feedLines, leadHandlers } from "#src/outbox/lead-handlers.ts";
import { handlersFor } from "#src/outbox/messages.ts";
import { OutboxWorker } from "#src/outbox/outbox-worker.ts";
import { Pacer } from "#src/outbox/pacer.ts";
import type { SalesforceConnection } from "#src/outbox/salesforce-calls.ts";
import { salesforceBatch, salesforceHandlers } from "#src/outbox/salesforce-handlers.ts";
import { slackHandlers, slackSender } from "#src/outbox/slack-handlers.ts";
import { webhookHandler } from "#src/outbox/webhooks.ts";
import { PlaybookError } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { CrmOwnerMatcher } from "#src/services/crm-owner-match.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { refreshRepProfiles } from "#src/slack/rep-profiles.ts";
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from "#src/slack/slack-app.ts";
import { SlackStatus } from "#src/slack/slack-status.ts";

export interface BatonOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  metrics?: Metrics;
  /** An already open database (tests); otherwise the one the configuration names. */
  db?: Database;
  /** A playbook already loaded (tests); otherwise read from PLAYBOOK. */
  playbook?: PlaybookStore;
  /**
   * Aborted by SIGINT/SIGTERM while starting: the start stops at the next step (at once while
   * it waits for Slack), closes what it opened and rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface Baton {
  deps: Deps;
  outbox: OutboxWorker;
  digests: DigestScheduler;
  sla: SlaScheduler;
  /** The conversion polls of the CRMs that have a poll schedule (HUBSPOT_POLL_CRON). */
  crmPolls: CrmPollScheduler[];
  slack: SlackApp;
  http: HttpServer;
  /** The port the HTTP server listens on (useful with PORT=0). */
  port: number;
  /** Settles once the reps' Slack profiles read at start are recorded (never rejects). */
  profilesRead: Promise<void>;
  stop(): Promise<void>;
}

export async function startBaton(options: BatonOptions): Promise<Baton> {
  const { config, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const readiness: Readiness = { stopping: false };
  const shutdown = shutdownInPhases(logger, readiness);

  try {
    // The port comes first: a port in use fails in a second, and /healthz answers while a
    // long migration runs (so an orchestrator does not kill a replica that is migrating).
    const playbook = options.playbook ?? (await openPlaybook(config.playbookPath));
    checkCrmSetup(config, playbook);
    const front = await serveHttp(config, logger, metrics, readiness);
    const { http, port } = front;
    shutdown.add("intake", "http", () => http.close(config.shutdownTimeoutMs));

    const db = await openStorage(options, playbook, shutdown);
    readiness.db = db;

    options.signal?.throwIfAborted();
    const slackStatus = new SlackStatus(config.slack.botToken, config.slack.apiUrl, logger);
    readiness.slack = slackStatus;
    await slackStatus.waitAtStart(options.signal);

    const deps: Deps = {
      config,
      logger,
      db,
      clock: options.clock ?? systemClock,
      metrics,
      playbook,
      ackGate: front.ackGate,
    };
    const intake = registerIntakeRoutes(http, deps);
    registerHubSpotRoutes(http, deps, intake);
    registerSalesforceRoutes(http, deps, intake);
    front.releaseIntake();
    const slack = createSlackApp(deps, slackStatus.identity);
    const delivery = deliveryClient(config, logger);
    const outbox = createOutbox(deps, delivery, connectCrms(deps, delivery));
    deps.wakeOutbox = () => outbox.wake();
    const digests = new DigestScheduler(deps, { onSent: () => outbox.wake() });
    const sla = new SlaScheduler(deps, { onFired: () => outbox.wake() });
    const crmPolls = crmPollers(deps);
    const workers: Worker[] = [digests, sla, outbox, ...crmPolls];

    await slack.start();
    front.attachSlack(slack.httpListener);
    shutdown.add("intake", "slack", () => slack.stop(config.shutdownTimeoutMs));
    for (const worker of workers) {
      worker.start();
      shutdown.add("work", worker.name, () => worker.stop());
    }
    logReady(config, logger, port);
    // In the background: the reps' Slack time zones and statuses (failures are logged). On
    // shutdown it stops at the next rep, before the database closes.
    const reading = new AbortController();
    const profilesRead = refreshRepProfiles(slack.app.client, deps, reading.signal);
    shutdown.add("work", "profiles", async () => {
      reading.abort();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise((resolve) => {
        timer = setTimeout(resolve, 5_000);
      });
      await Promise.race([profilesRead, bound]).finally(() => clearTimeout(timer));
    });

    let stopped: Promise<void> | undefined;
    return {
      deps,
      outbox,
      digests,
      sla,
      crmPolls,
      slack,
      http,
      port,
      profilesRead,
      stop() {
        stopped ??= (async () => {
          logger.info("shutting down: finishing in-flight work");
          await shutdown.run();
          logger.info("stopped");
        })();
        return stopped;
      },
    };
  } catch (error) {
    await shutdown.run();
    throw error;
  }
}

type ShutdownPhase = "intake" | "work" | "storage";

/** Shutdown in three phases: stop taking work, finish in-flight work, close the database. */
function shutdownInPhases(logger: Logger, readiness: Readiness) {
  const steps: Record<ShutdownPhase, { name: string; run: () => Promise<void> }[]> = {
    intake: [],
    work: [],
    storage: [],
  };
  return {
    add(phase: ShutdownPhase, name: string, run: () => Promise<void>): void {
      steps[phase].push({ name, run });
    },
    async run(): Promise<void> {
      readiness.stopping = true;
      for (const step of [...steps.intake, ...steps.work, ...steps.storage]) {
        await step.run().catch((error: unknown) => {
          logger.error({ err: error, step: step.name }, "shutdown step failed");
        });
      }
    },
  };
}

/**
 * The HTTP server, listening before anything else is ready: Slack's requests are answered 503
 * until `attachSlack`, and intake is held until `releaseIntake`.
 */
async function serveHttp(config: Config, logger: Logger, metrics: Metrics, readiness: Readiness) {
  const http = createHttpServer(logger, metrics);
  registerHealthRoutes(http, metrics, readiness);
  let slackListener: SlackApp["httpListener"];
  const ackGate = new AckGate();
  http.mount(SLACK_EVENTS_PATH, (req, res) => {
    ackGate.arrived();
    if (slackListener) slackListener(req, res);
    else sendJson(res, 503, { error: "starting" });
  });
  // Intake answers 503 + Retry-After until its routes are registered: a client (or a load
  // balancer's retry) tries again, where a 404 would tell it the URL is wrong.
  const releaseIntake = http.hold("/api/", "Baton is starting. Retry shortly.");
  const port = await http.listen(config.http.port, config.http.host);
  return {
    http,
    port,
    ackGate,
    releaseIntake,
    attachSlack(listener: SlackApp["httpListener"]): void {
      slackListener = listener;
    },
  };
}

/** The database, opened (unless given), migrated, and holding the playbook's teams and people. */
async function openStorage(
  options: BatonOptions,
  playbook: PlaybookStore,
  shutdown: ReturnType<typeof shutdownInPhases>,
): Promise<Database> {
  const { config, logger } = options;
  const db = options.db ?? (await openDatabase(config.database, logger));
  if (!options.db) shutdown.add("storage", "database", () => db.close());
  logger.info({ database: db.kind, location: db.location }, "database opened");
  await migrate(db, config, logger);
  const sync = await syncPlaybook(db, playbook.current);
  logger.info(
    { teams: sync.teams, people: sync.reps, removed: sync.removedMembers.length },
    `playbook ${playbook.path} in force`,
  );
  return db;
}

/** The outbox worker with every handler, delivering to Slack through one paced sender. */
function createOutbox(
  deps: Deps,
  delivery: WebClient,
  { hubspot, salesforce }: CrmConnections,
): OutboxWorker {
  const { config, logger, db } = deps;
  const sender = slackSender(db, delivery, new Pacer());
  return new OutboxWorker({
    db,
    logger: logger.child({ component: "outbox" }),
    clock: deps.clock,
    handlers: handlersFor({
      ...slackHandlers(sender),
      ...cardHandlers(deps, sender),
      ...webhookHandler(config.webhooks, () => deps.clock.now()),
      ...leadHandlers(deps, sender),
      ...digestHandlers(delivery, sender),
      ...hubspotHandlers(deps, hubspot),
      ...salesforceHandlers(deps, salesforce),
    }),
    groups: [
      cardBurst(deps, sender),
      feedLines(deps, sender),
      hubspotBatch(deps, hubspot),
      salesforceBatch(deps, salesforce),
    ],
    gate: deps.ackGate,
  });
}

interface CrmConnections {
  hubspot: HubSpotConnection | undefined;
  salesforce: SalesforceConnection | undefined;
}

function logReady(config: Config, logger: Logger, port: number): void {
  logger.info(
    { port, host: config.http.host, slackMode: config.slack.mode },
    config.slack.mode === "http"
      ? `Baton is ready: Slack requests on http://${config.http.host}:${port}${SLACK_EVENTS_PATH}`
      : `Baton is ready: connected to Slack in Socket Mode; health on http://${config.http.host}:${port}/readyz`,
  );
}

/** A Slack user's email (users.info), for matching reps with CRM users. */
function slackEmails(slack: WebClient) {
  return async (user: string) => {
    const { user: found } = await slack.users.info({ user });
    return found?.profile?.email || undefined;
  };
}

type EmailOf = ReturnType<typeof slackEmails>;

/**
 * What Baton calls HubSpot with, when a token is configured: one client and one rate limiter
 * for every handler and job of this process.
 */
function hubspotConnection(deps: Deps, emailOf: EmailOf): HubSpotConnection | undefined {
  const { accessToken, apiUrl, rateLimit } = deps.config.hubspot;
  if (!accessToken) return undefined;
  const api = createHubSpotApi({ accessToken, apiUrl, rateLimit });
  const find = (email: string) => api.findOwnerByEmail(email);
  return { api, owners: new OwnerDirectory(find, emailOf, () => deps.clock.now()) };
}

/** What the outbox calls Salesforce with, when a connected app is configured. */
function salesforceConnection(deps: Deps, emailOf: EmailOf): SalesforceConnection | undefined {
  const { auth, loginUrl, apiVersion } = deps.config.salesforce;
  if (!auth) return undefined;
  const api = createSalesforceApi({ auth, loginUrl, apiVersion });
  const find = (email: string) => api.findUserByEmail(email);
  return { api, users: new OwnerDirectory(find, emailOf, () => deps.clock.now()) };
}

/**
 * This process's connections to the CRMs (one client, rate limiter and owner directory each),
 * and the core's view of them (deps.crm: owner matching, conversion polls).
 */
function connectCrms(deps: Deps, slack: WebClient): CrmConnections {
  const emailOf = slackEmails(slack);
  const connections = {
    hubspot: hubspotConnection(deps, emailOf),
    salesforce: salesforceConnection(deps, emailOf),
  };
  deps.crm = crmProviders(deps, slack, connections);
  return connections;
}

/** The connected CRMs as the core sees them, with an owner matcher each. */
function crmProviders(deps: Deps, slack: WebClient, { hubspot, salesforce }: CrmConnections) {
  const providers: CrmProvider[] = [];
  if (hubspot) {
    providers.push({
      key: "hubspot",
      crm: "HubSpot",
      ownerLookup: hubspotOwnerLookup(hubspot.api),
      conversions: hubspotConversionPoller(deps, hubspot.api),
      pollCron: deps.config.hubspot.pollCron,
    });
  }
  if (salesforce) {
    providers.push({
      key: "salesforce",
      crm: "Salesforce",
      ownerLookup: salesforceOwnerLookup(salesforce.api),
      conversions: salesforceConversionPoller(deps, salesforce.api),
      pollCron: deps.config.salesforce.pollCron,
    });
  }
  const slackUserByEmail = async (email: string) => {
    try {
      return (await slack.users.lookupByEmail({ email })).user?.id;
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error === "users_not_found") {
        return undefined;
      }
      throw error;
    }
  };
  const ownerMatchers = new Map<string, CrmOwnerMatcher>();
  for (const provider of providers) {
    if (!provider.ownerLookup) continue;
    ownerMatchers.set(
      provider.key,
      new CrmOwnerMatcher({
        lookup: provider.ownerLookup,
        slackUserByEmail,
        logger: deps.logger.child({ component: "crm-owner" }),
      }),
    );
  }
  return { providers, ownerMatchers };
}

/** A conversion poll per CRM that can poll and has a schedule. */
function crmPollers(deps: Deps): CrmPollScheduler[] {
  return (deps.crm?.providers ?? []).flatMap(({ key, conversions, pollCron }) =>
    conversions && pollCron
      ? [new CrmPollScheduler(deps, { key, poller: conversions, cron: pollCron })]
      : [],
  );
}

/** A playbook that syncs with a CRM needs the credentials to do it with. */
function checkCrmSetup(config: Config, playbook: PlaybookStore): void {
  if (config.hubspot.pollCron && !config.hubspot.accessToken) {
    throw new FatalError(
      "HUBSPOT_POLL_CRON is set, but HUBSPOT_ACCESS_TOKEN is not: Baton cannot poll HubSpot without it. Set HUBSPOT_ACCESS_TOKEN to your HubSpot private app's access token, or leave HUBSPOT_POLL_CRON empty.",
    );
  }
  if (playbook.current.crm.hubspot.ownerMatching && !config.hubspot.accessToken) {
    throw new FatalError(
      "The playbook turns on owner matching with HubSpot (crm.hubspot.ownerMatching: true), but HUBSPOT_ACCESS_TOKEN is not set. Set it to your HubSpot private app's access token (docs/integrations/hubspot.md), or set crm.hubspot.ownerMatching to false.",
    );
  }
  if (playbook.current.crm.hubspot.sync && !config.hubspot.accessToken) {
    throw new FatalError(
      "The playbook turns on the HubSpot sync (crm.hubspot.sync: true), but HUBSPOT_ACCESS_TOKEN is not set. Set it to your HubSpot private app's access token (docs/integrations/hubspot.md), or set crm.hubspot.sync to false.",
    );
  }
  if (config.salesforce.pollCron && !config.salesforce.auth) {
    throw new FatalError(
      "SALESFORCE_POLL_CRON is set, but SALESFORCE_CLIENT_ID is not: Baton cannot poll Salesforce without its connected app. Set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (docs/integrations/salesforce.md), or leave SALESFORCE_POLL_CRON empty.",
    );
  }
  if (playbook.current.crm.salesforce.ownerMatching && !config.salesforce.auth) {
    throw new FatalError(
      "The playbook turns on owner matching with Salesforce (crm.salesforce.ownerMatching: true), but SALESFORCE_CLIENT_ID is not set. Set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET to your connected app's Consumer Key and Secret (docs/integrations/salesforce.md), or set crm.salesforce.ownerMatching to false.",
    );
  }
  if (playbook.current.crm.salesforce.sync && !config.salesforce.auth) {
    throw new FatalError(
      "The playbook turns on the Salesforce sync (crm.salesforce.sync: true), but SALESFORCE_CLIENT_ID is not set. Set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET to your connected app's Consumer Key and Secret, with SALESFORCE_LOGIN_URL (docs/integrations/salesforce.md), or set crm.salesforce.sync to false.",
    );
  }
}

/** The Web API client the outbox delivers with: the outbox owns retries and rate limits. */
function deliveryClient(config: Config, logger: Logger): WebClient {
  return new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 15_000,
  });
}

async function openPlaybook(path: string): Promise<PlaybookStore> {
  try {
    return await PlaybookStore.open(path);
  } catch (error) {
    if (error instanceof PlaybookError) {
      throw new FatalError(
        `${error.message}\nFix the playbook (or set PLAYBOOK to another file) and start again.`,
      );
    }
    throw error;
  }
}

async function migrate(db: Database, config: Config, logger: Logger): Promise<void> {
  if (config.database.migrateOnStart) {
    await applyMigrations(db, logger);
    return;
  }
  const status = await migrationStatus(db);
  if (status.pending.length > 0) {
    logger.warn(
      { pending: status.pending },
      "migrations are pending and MIGRATE_ON_START=false: run `npm run db:migrate`",
    );
  }
}

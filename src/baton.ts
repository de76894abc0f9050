// The composition root: opens the database, migrates, checks Slack, serves HTTP, connects the
// Slack app, and takes it all down again in order. main.ts and the end-to-end tests both use it.
import type { Clock } from "#src/clock.ts";
import { systemClock } from "#src/clock.ts";
import type { Config } from "#src/config.ts";
import type { Deps } from "#src/context.ts";
import { type Database, openDatabase } from "#src/db/database.ts";
import { applyMigrations, migrationStatus } from "#src/db/migrator.ts";
import { registerHealthRoutes } from "#src/http/health-routes.ts";
import { createHttpServer, type HttpServer } from "#src/http/server.ts";
import type { Logger } from "#src/logger.ts";
import { createMetrics, type Metrics } from "#src/metrics.ts";
import { createSlackApp, SLACK_EVENTS_PATH, type SlackApp } from "#src/slack/slack-app.ts";
import { SlackStatus } from "#src/slack/slack-status.ts";

/** Background work (outbox delivery, scheduled jobs) started after the app and stopped first. */
export interface Worker {
  name: string;
  start(): void;
  /** Resolves when in-flight work is finished. */
  stop(): Promise<void>;
}

export interface BatonOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  metrics?: Metrics;
  /** An already open database (tests); otherwise the one the configuration names. */
  db?: Database;
}

export interface Baton {
  deps: Deps;
  slack: SlackApp;
  http: HttpServer;
  /** The port the HTTP server listens on (useful with PORT=0). */
  port: number;
  stop(): Promise<void>;
}

export async function startBaton(options: BatonOptions): Promise<Baton> {
  const { config, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const db = options.db ?? (await openDatabase(config.database, logger));
  // Shutdown runs these in order: stop taking work, finish in-flight work, close the database.
  const shutdownSteps: { name: string; run: () => Promise<void> }[] = [];
  const closeDb = async () => {
    if (!options.db) await db.close();
  };
  const shutdown = async () => {
    for (const step of shutdownSteps) {
      await step.run().catch((error: unknown) => {
        logger.error({ err: error, step: step.name }, "shutdown step failed");
      });
    }
    await closeDb().catch((error: unknown) =>
      logger.error({ err: error }, "closing the database failed"),
    );
  };

  try {
    logger.info({ database: db.kind, location: db.location }, "database opened");
    if (config.database.migrateOnStart) {
      await applyMigrations(db, logger);
    } else {
      const status = await migrationStatus(db);
      if (status.pending.length > 0) {
        logger.warn(
          { pending: status.pending },
          "migrations are pending and MIGRATE_ON_START=false: run `npm run db:migrate`",
        );
      }
    }

    const slackStatus = new SlackStatus(config.slack.botToken, config.slack.apiUrl, logger);
    await slackStatus.checkAtStart();

    const deps: Deps = { config, logger, db, clock: options.clock ?? systemClock, metrics };
    const slack = createSlackApp(deps, slackStatus.identity);
    const workers: Worker[] = [];

    let stopping = false;
    const http = createHttpServer(logger, metrics);
    registerHealthRoutes(http, { db, slack: slackStatus, metrics, stopping: () => stopping });
    if (slack.httpListener) http.mount(SLACK_EVENTS_PATH, slack.httpListener);
    const port = await http.listen(config.http.port, config.http.host);
    shutdownSteps.push({ name: "http", run: () => http.close(config.shutdownTimeoutMs) });
    logger.info(
      { port, host: config.http.host, slackMode: config.slack.mode },
      config.slack.mode === "http"
        ? `serving Slack on http://${config.http.host}:${port}${SLACK_EVENTS_PATH}`
        : `listening for health and metrics on http://${config.http.host}:${port}`,
    );

    await slack.start();
    shutdownSteps.push({ name: "slack", run: () => slack.stop(config.shutdownTimeoutMs) });
    if (config.slack.mode === "socket") logger.info("connected to Slack in Socket Mode");

    for (const worker of workers) {
      worker.start();
      shutdownSteps.push({ name: worker.name, run: () => worker.stop() });
    }

    let stopped: Promise<void> | undefined;
    return {
      deps,
      slack,
      http,
      port,
      stop() {
        stopped ??= (async () => {
          stopping = true;
          logger.info("shutting down: finishing in-flight work");
          await shutdown();
          logger.info("stopped");
        })();
        return stopped;
      },
    };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

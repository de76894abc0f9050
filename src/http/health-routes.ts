// /healthz: the process is alive. /readyz: it can do its job (database reachable, migrations
// applied, Slack token accepted); load balancers stop sending traffic while it is not.
// /metrics: Prometheus.
import type { Database } from "#src/db/database.ts";
import { migrationStatus } from "#src/db/migrator.ts";
import { errorMessage } from "#src/errors.ts";
import { type HttpServer, sendJson } from "#src/http/server.ts";
import type { Metrics } from "#src/metrics.ts";
import type { SlackStatus } from "#src/slack/slack-status.ts";

/** What /readyz looks at; filled in as start-up progresses. */
export interface Readiness {
  db?: Database;
  slack?: SlackStatus;
  /** True once shutdown has begun: report not ready so traffic drains away. */
  stopping: boolean;
}

export function registerHealthRoutes(
  http: HttpServer,
  metrics: Metrics,
  readiness: Readiness,
): void {
  let migrationsCurrent = false;

  http.route("GET", "/healthz", (_req, res) => sendJson(res, 200, { status: "ok" }));

  http.route("GET", "/readyz", async (_req, res) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    const { db, slack } = readiness;
    if (!db) {
      checks.database = { ok: false, detail: "starting" };
    } else {
      try {
        await db.ping();
        checks.database = { ok: true };
      } catch (error) {
        checks.database = { ok: false, detail: errorMessage(error) };
      }
    }
    if (db && checks.database.ok && !migrationsCurrent) {
      try {
        const status = await migrationStatus(db);
        migrationsCurrent = status.pending.length === 0 && status.failed.length === 0;
        checks.migrations = migrationsCurrent
          ? { ok: true }
          : { ok: false, detail: `pending: ${[...status.failed, ...status.pending].join(", ")}` };
      } catch (error) {
        checks.migrations = { ok: false, detail: errorMessage(error) };
      }
    } else {
      checks.migrations = migrationsCurrent ? { ok: true } : { ok: false, detail: "unknown" };
    }
    const slackOk = slack ? await slack.refresh() : false;
    checks.slack = slackOk ? { ok: true } : { ok: false, detail: slack?.lastError ?? "starting" };
    if (readiness.stopping) checks.shutdown = { ok: false, detail: "shutting down" };
    const ready = Object.values(checks).every((check) => check.ok);
    sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not_ready", checks });
  });

  http.route("GET", "/metrics", async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { "Content-Type": metrics.registry.contentType });
    res.end(body);
  });
}

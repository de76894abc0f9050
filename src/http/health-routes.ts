// /healthz: the process is alive. /readyz: it can do its job (database reachable, migrations
// applied, Slack token accepted); load balancers stop sending traffic while it is not.
// /metrics: Prometheus.
import type { Database } from "#src/db/database.ts";
import { migrationStatus } from "#src/db/migrator.ts";
import { errorMessage } from "#src/errors.ts";
import { type HttpServer, sendJson } from "#src/http/server.ts";
import type { Metrics } from "#src/metrics.ts";
import type { SlackStatus } from "#src/slack/slack-status.ts";

export interface Readiness {
  db: Database;
  slack: SlackStatus;
  metrics: Metrics;
  /** True once shutdown has begun: report not ready so traffic drains away. */
  stopping: () => boolean;
}

export function registerHealthRoutes(http: HttpServer, readiness: Readiness): void {
  let migrationsCurrent = false;

  http.route("GET", "/healthz", (_req, res) => sendJson(res, 200, { status: "ok" }));

  http.route("GET", "/readyz", async (_req, res) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await readiness.db.ping();
      checks.database = { ok: true };
    } catch (error) {
      checks.database = { ok: false, detail: errorMessage(error) };
    }
    if (checks.database.ok && !migrationsCurrent) {
      try {
        const status = await migrationStatus(readiness.db);
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
    const slackOk = await readiness.slack.refresh();
    checks.slack = slackOk ? { ok: true } : { ok: false, detail: readiness.slack.lastError };
    if (readiness.stopping()) checks.shutdown = { ok: false, detail: "shutting down" };
    const ready = Object.values(checks).every((check) => check.ok);
    sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not_ready", checks });
  });

  http.route("GET", "/metrics", async (_req, res) => {
    const body = await readiness.metrics.registry.metrics();
    res.writeHead(200, { "Content-Type": readiness.metrics.registry.contentType });
    res.end(body);
  });
}

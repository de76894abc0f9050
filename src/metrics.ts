// Prometheus metrics. One registry per Baton instance (tests run several in one process).
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"route" | "method" | "status">;
  httpDuration: Histogram<"route">;
  slackRequests: Counter<"kind" | "outcome">;
  /** Calls to a CRM (HubSpot), by operation and outcome (ok, rate_limited, unauthorized...). */
  crmRequests: Counter<"crm" | "operation" | "outcome">;
}

export function createMetrics({ defaults = true }: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app: "baton" });
  if (defaults) collectDefaultMetrics({ register: registry, prefix: "baton_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "baton_http_requests_total",
      help: "HTTP requests served, by route, method and status code",
      labelNames: ["route", "method", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "baton_http_request_duration_seconds",
      help: "Time to answer HTTP requests, by route",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    slackRequests: new Counter({
      name: "baton_slack_requests_total",
      help: "Slack commands, actions, views and events handled, by kind and outcome",
      labelNames: ["kind", "outcome"],
      registers: [registry],
    }),
    crmRequests: new Counter({
      name: "baton_crm_requests_total",
      help: "Calls to a CRM, by CRM, operation and outcome (ok, rate_limited, unauthorized, error)",
      labelNames: ["crm", "operation", "outcome"],
      registers: [registry],
    }),
  };
}

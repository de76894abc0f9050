// Baton's HTTP server: health, readiness, metrics, the intake API, and in HTTP mode Slack's
// requests. A small router of our own: the routes are few and Bolt brings its own parsing.
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { FatalError } from "#src/errors.ts";
import type { Logger } from "#src/logger.ts";
import type { Metrics } from "#src/metrics.ts";

export type Params = Record<string, string>;
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Params,
) => Promise<void> | void;

interface Route {
  method: string;
  pattern: string;
  match: (path: string) => Params | undefined;
  handler: RouteHandler;
}

export interface HttpServer {
  route(method: string, pattern: string, handler: RouteHandler): void;
  /** Hands every request under `prefix` to a listener (Bolt's receiver). */
  mount(prefix: string, listener: RequestListener): void;
  /**
   * Answers every request under `prefix` 503 with Retry-After until the returned function is
   * called: while Baton starts (database opening, migrations), so a client retries instead of
   * taking the 404 of a route not registered yet for a wrong URL.
   */
  hold(prefix: string, message: string): () => void;
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting connections and waits for in-flight requests, up to `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
  readonly server: Server;
}

/** Where requests go: holds while starting, mounted listeners (Bolt), then routes. */
interface RouteTable {
  routes: Route[];
  mounts: { prefix: string; listener: RequestListener }[];
  holds: Map<string, string>;
}

export function createHttpServer(logger: Logger, metrics: Metrics): HttpServer {
  const table: RouteTable = { routes: [], mounts: [], holds: new Map() };
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const server = createServer((req, res) => {
    inFlight += 1;
    const started = process.hrtime.bigint();
    let label = "unmatched";
    res.on("close", () => {
      inFlight -= 1;
      metrics.httpRequests.inc({ route: label, method: req.method ?? "", status: res.statusCode });
      metrics.httpDuration.observe(
        { route: label },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      if (inFlight === 0) drained?.();
    });
    label = dispatch(table, req, res, logger);
  });
  // Slow-loris protection; Node's defaults are generous.
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  return {
    server,
    route(method, pattern, handler) {
      table.routes.push({ method, pattern, match: compile(pattern), handler });
    },
    mount(prefix, listener) {
      table.mounts.push({ prefix, listener });
    },
    hold(prefix, message) {
      table.holds.set(prefix, message);
      return () => {
        table.holds.delete(prefix);
      };
    },
    listen: (port, host) => listen(server, port, host, logger),
    async close(timeoutMs) {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const idle = new Promise<void>((resolve) => {
          drained = resolve;
        });
        const timer = setTimeout(() => {
          logger.warn({ inFlight }, "shutdown timeout: closing open HTTP requests");
          server.closeAllConnections();
        }, timeoutMs);
        await idle;
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Answers or hands on one request; returns the route label its metrics are counted under. */
function dispatch(
  table: RouteTable,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): string {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  for (const [prefix, message] of table.holds) {
    if (path.startsWith(prefix)) {
      res.setHeader("Retry-After", "5");
      sendJson(res, 503, { error: "starting", message });
      return prefix;
    }
  }
  const mount = table.mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
  if (mount) {
    mount.listener(req, res);
    return mount.prefix;
  }
  const candidates = table.routes.filter((r) => r.match(path));
  const route = candidates.find((r) => r.method === req.method);
  if (!route) {
    if (candidates.length > 0) {
      res.setHeader("Allow", candidates.map((r) => r.method).join(", "));
      sendJson(res, 405, { error: "method_not_allowed" });
    } else {
      sendJson(res, 404, { error: "not_found" });
    }
    return "unmatched";
  }
  const params = route.match(path) ?? {};
  Promise.resolve()
    .then(() => route.handler(req, res, params))
    .catch((error: unknown) => {
      logger.error({ err: error, route: route.pattern }, "HTTP handler failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal_error" });
      else res.destroy();
    });
  return route.pattern;
}

/** Listens on `port`; a port in use or not allowed is a FatalError that says what to do. */
function listen(server: Server, port: number, host: string, logger: Logger): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(
        error.code === "EADDRINUSE"
          ? new FatalError(
              `Port ${port} on ${host} is already in use. Stop the program using it, or set PORT to a free port.`,
            )
          : error.code === "EACCES"
            ? new FatalError(
                `Baton may not listen on port ${port} on ${host} (permission denied). Set PORT to 1024 or above.`,
              )
            : error,
      );
    };
    const onListening = () => {
      server.off("error", onError);
      server.on("error", (error) => logger.error({ err: error }, "HTTP server error"));
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(payload),
    "Cache-Control": "no-store",
  });
  res.end(payload);
}

/** "/api/v1/leads/:id" → a matcher returning { id } for "/api/v1/leads/42". */
function compile(pattern: string): (path: string) => Params | undefined {
  const names: string[] = [];
  const source = pattern
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  const regex = new RegExp(`^${source}/?$`);
  return (path) => {
    const found = regex.exec(path);
    if (!found) return undefined;
    try {
      return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1]!)]));
    } catch {
      return undefined; // malformed percent-encoding: no route matches
    }
  };
}

// The intake API: POST /api/v1/leads, POST /api/v1/activities, GET /api/v1/leads/:id.
// Bearer tokens from INTAKE_API_TOKENS, compared in constant time. Bad input gets a 4xx with
// zod's field-level issues and writes nothing.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { Deps } from "#src/context.ts";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import { AppError } from "#src/errors.ts";
import { readJson } from "#src/http/read-json.ts";
import { type HttpServer, sendJson } from "#src/http/server.ts";
import { CaptureBatcher } from "#src/intake/capture-batcher.ts";
import {
  activitiesRequestSchema,
  type LeadRequest,
  leadRequestSchema,
} from "#src/intake/schemas.ts";
import { captureLeads, queuedOutbox } from "#src/services/capture-lead.ts";
import { getLeadDetail } from "#src/services/get-lead-detail.ts";

interface Client {
  name: string;
}

interface Answer {
  status: number;
  body: unknown;
  replayed?: boolean;
}

export function registerIntakeRoutes(http: HttpServer, deps: Deps): void {
  const { tokens, maxBodyBytes } = deps.config.intake;
  const hashed = tokens.map((t) => ({ name: t.name, digest: sha256(t.token) }));
  const keysInFlight = new Map<string, Promise<Answer>>();
  const batcher = new CaptureBatcher({
    db: deps.db,
    context: () => ({
      scoring: deps.playbook.current.scoring,
      accountMatching: deps.playbook.current.routing.accountMatching,
    }),
    now: () => deps.clock.now(),
  });

  const authenticate = (req: IncomingMessage): Client => {
    if (hashed.length === 0) {
      throw new AppError(
        "unauthorized",
        "The intake API is off: no tokens are configured. Set INTAKE_API_TOKENS (name:token pairs) and restart Baton.",
      );
    }
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new AppError(
        "unauthorized",
        "Send your intake token as Authorization: Bearer <token>.",
      );
    }
    // Comparing digests keeps the comparison constant-time whatever the token's length.
    const digest = sha256(match[1]!);
    let found: Client | undefined;
    for (const candidate of hashed) {
      if (timingSafeEqual(candidate.digest, digest)) found = { name: candidate.name };
    }
    if (!found) throw new AppError("unauthorized", "The intake token is not valid.");
    return found;
  };

  const handle =
    (
      fn: (
        req: IncomingMessage,
        res: ServerResponse,
        client: Client,
        params: Record<string, string>,
      ) => Promise<void>,
    ) =>
    async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
      try {
        const client = authenticate(req);
        await fn(req, res, client, params);
      } catch (error) {
        sendError(res, error, deps);
      }
    };

  http.route(
    "POST",
    "/api/v1/leads",
    handle(async (req, res, client) => {
      const { value, raw } = await readJson(req, maxBodyBytes);
      const input = parse(leadRequestSchema, value);
      const idempotencyKey = headerKey(req, client, input.externalId);
      const capture = async (): Promise<Answer> => {
        const result = await batcher.capture(input, { type: "API", id: client.name });
        // Only when there is something to deliver: each wake costs the worker a lease query.
        if (queuedOutbox(result)) deps.wakeOutbox?.();
        const status = result.created ? 201 : 200;
        return {
          status,
          body: { lead: { id: result.leadId, ref: `L-${result.number}`, ...result } },
        };
      };
      if (!idempotencyKey) {
        const { status, body } = await capture();
        sendJson(res, status, body);
        return;
      }
      // Requests with one key run one after the other in this process: a retry sent while the
      // first is still being written (they may even share a batch) waits for it and gets its
      // answer, instead of being captured a second time.
      const { key, strict } = idempotencyKey;
      const requestHash = sha256(raw).toString("hex");
      const before = keysInFlight.get(key);
      const answer = (async (): Promise<Answer> => {
        await before?.catch(() => {});
        const previous = await deps.db.prisma.idempotencyKey.findUnique({ where: { key } });
        if (previous) {
          if (previous.requestHash === requestHash) {
            return { status: previous.statusCode, body: previous.response, replayed: true };
          }
          if (strict) {
            throw new AppError(
              "unprocessable",
              "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
            );
          }
        }
        const fresh = await capture();
        await deps.db.prisma.idempotencyKey.upsert({
          where: { key },
          create: { key, requestHash, statusCode: fresh.status, response: fresh.body as object },
          update: { requestHash, statusCode: fresh.status, response: fresh.body as object },
        });
        return fresh;
      })();
      keysInFlight.set(key, answer);
      try {
        const { status, body, replayed } = await answer;
        if (replayed) res.setHeader("Idempotent-Replayed", "true");
        sendJson(res, status, body);
      } finally {
        if (keysInFlight.get(key) === answer) keysInFlight.delete(key);
      }
    }),
  );

  http.route(
    "POST",
    "/api/v1/activities",
    handle(async (req, res, client) => {
      const { value } = await readJson(req, maxBodyBytes);
      const { activities } = parse(activitiesRequestSchema, value);
      const ids = [...new Set(activities.flatMap((a) => (a.email ? [] : [a.leadId!])))];
      const known = await deps.db.prisma.lead.findMany({
        where: { id: { in: ids } },
        select: { id: true, email: true },
      });
      const emailOf = new Map(known.map((lead) => [lead.id, lead.email]));
      const unknown = activities.flatMap((a, i) =>
        !a.email && !emailOf.has(a.leadId!)
          ? [{ path: `activities.${i}.leadId`, message: "no lead has this id", code: "not_found" }]
          : [],
      );
      if (unknown.length > 0) {
        throw new AppError("unprocessable", "Some activities name leads that do not exist.", {
          details: unknown,
        });
      }
      // Activities for an email Baton has not seen create that lead: every lead gets in.
      const byEmail = new Map<string, LeadRequest>();
      for (const { email, leadId, ...activity } of activities) {
        const address = email ?? emailOf.get(leadId!)!;
        const request = byEmail.get(address) ?? {
          ...leadRequestSchema.parse({ email: address }),
          activities: [],
        };
        request.activities!.push(activity);
        byEmail.set(address, request);
      }
      const playbook = deps.playbook.current;
      const results = await captureLeads(deps.db, [...byEmail.values()], {
        scoring: playbook.scoring,
        accountMatching: playbook.routing.accountMatching,
        actor: { type: "API", id: client.name },
        now: deps.clock.now(),
      });
      if (results.some(queuedOutbox)) deps.wakeOutbox?.();
      sendJson(res, 200, {
        accepted: results.reduce((sum, r) => sum + r.activitiesAdded, 0),
        duplicates: results.reduce((sum, r) => sum + r.activitiesDuplicate, 0),
        leads: results.map((r) => ({
          id: r.leadId,
          ref: `L-${r.number}`,
          created: r.created,
          status: r.status,
          score: r.score,
          qualified: r.qualified,
        })),
      });
    }),
  );

  http.route(
    "GET",
    "/api/v1/leads/:id",
    handle(async (_req, res, _client, params) => {
      const lead = await getLeadDetail(deps.db, params.id ?? "");
      if (!lead)
        throw new AppError(
          "not_found",
          "No lead has this id. Use the id or the L-number Baton returned.",
        );
      sendJson(res, 200, { lead });
    }),
  );
}

function headerKey(
  req: IncomingMessage,
  client: Client,
  externalId: string | undefined,
): { key: string; strict: boolean } | undefined {
  const header = req.headers["idempotency-key"];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined) {
    if (!/^[\x21-\x7e]{1,200}$/.test(value)) {
      throw new AppError(
        "bad_request",
        "Idempotency-Key must be 1 to 200 visible ASCII characters.",
      );
    }
    return { key: `${client.name}:key:${value}`, strict: true };
  }
  return externalId ? { key: `${client.name}:ext:${externalId}`, strict: false } : undefined;
}

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError("bad_request", "The request has invalid fields.", {
    details: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
      code: issue.code,
    })),
  });
}

export function sendError(res: ServerResponse, error: unknown, deps: Deps): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof AppError) {
    const body: Record<string, unknown> = { error: error.code, message: error.userMessage };
    if (Array.isArray(error.details)) body.issues = error.details;
    if (error.code === "unauthorized") res.setHeader("WWW-Authenticate", 'Bearer realm="baton"');
    if (error.code === "unavailable") res.setHeader("Retry-After", "5");
    sendJson(res, error.status, body);
    return;
  }
  if (isDatabaseUnavailable(error)) {
    deps.logger.warn({ err: error }, "intake refused: database unavailable");
    res.setHeader("Retry-After", "5");
    sendJson(res, 503, {
      error: "unavailable",
      message: "Baton cannot reach its database right now. Retry shortly.",
    });
    return;
  }
  deps.logger.error({ err: error }, "intake request failed");
  sendJson(res, 500, {
    error: "internal",
    message: "Baton could not process this request. It has been logged.",
  });
}

function sha256(value: string | Buffer): Buffer {
  return createHash("sha256").update(value).digest();
}

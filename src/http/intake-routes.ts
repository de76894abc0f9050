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
import { activitiesRequestSchema, leadRequestSchema } from "#src/intake/schemas.ts";
import { type Answer, type IdempotencyKey, IntakeCapture } from "#src/services/capture-intake.ts";
import type { CaptureLeadResult } from "#src/services/capture-lead.ts";
import { getLeadDetail } from "#src/services/get-lead-detail.ts";

export interface Client {
  name: string;
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  client: Client,
  params: Record<string, string>,
) => Promise<void>;

/** What the CRM routes share with the intake API: its capture and its token check. */
export interface IntakeSeam {
  intake: IntakeCapture;
  authenticate: (req: IncomingMessage) => Client;
}

export function registerIntakeRoutes(http: HttpServer, deps: Deps): IntakeSeam {
  const { maxBodyBytes } = deps.config.intake;
  const authenticate = authenticator(deps.config.intake.tokens);
  const intake = new IntakeCapture({
    db: deps.db,
    context: () => ({
      scoring: deps.playbook.current.scoring,
      accountMatching: deps.playbook.current.routing.accountMatching,
    }),
    now: () => deps.clock.now(),
    onQueued: () => deps.wakeOutbox?.(),
  });
  const handle =
    (fn: Handler) =>
    async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
      try {
        await fn(req, res, authenticate(req), params);
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
      const key = idempotencyKey(req, client, input.externalId, raw);
      const { status, body, replayed } = await intake.once(key, async () =>
        leadAnswer(await intake.capture(input, { type: "API", id: client.name })),
      );
      if (replayed) res.setHeader("Idempotent-Replayed", "true");
      sendJson(res, status, body);
    }),
  );

  http.route(
    "POST",
    "/api/v1/activities",
    handle(async (req, res, client) => {
      const { value } = await readJson(req, maxBodyBytes);
      const { activities } = parse(activitiesRequestSchema, value);
      const results = await intake.captureActivities(activities, { type: "API", id: client.name });
      sendJson(res, 200, activitiesAnswer(results));
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
  return { intake, authenticate };
}

export function leadAnswer(result: CaptureLeadResult): Answer {
  return {
    status: result.created ? 201 : 200,
    body: { lead: { id: result.leadId, ref: `L-${result.number}`, ...result } },
  };
}

function activitiesAnswer(results: CaptureLeadResult[]) {
  return {
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
  };
}

function authenticator(tokens: { name: string; token: string }[]) {
  const hashed = tokens.map((t) => ({ name: t.name, digest: sha256(t.token) }));
  return (req: IncomingMessage): Client => {
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
}

/** The request's idempotency key: its Idempotency-Key header, else the lead's externalId. */
function idempotencyKey(
  req: IncomingMessage,
  client: Client,
  externalId: string | undefined,
  raw: Buffer,
): IdempotencyKey | undefined {
  const header = req.headers["idempotency-key"];
  const value = Array.isArray(header) ? header[0] : header;
  const requestHash = () => sha256(raw).toString("hex");
  if (value !== undefined) {
    if (!/^[\x21-\x7e]{1,200}$/.test(value)) {
      throw new AppError(
        "bad_request",
        "Idempotency-Key must be 1 to 200 visible ASCII characters.",
      );
    }
    return { key: `${client.name}:key:${value}`, strict: true, requestHash: requestHash() };
  }
  return externalId
    ? { key: `${client.name}:ext:${externalId}`, strict: false, requestHash: requestHash() }
    : undefined;
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

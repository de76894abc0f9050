// HubSpot in (docs/integrations/hubspot.md):
// - POST /api/v1/crm/hubspot/workflow: a workflow's "Send a webhook" action with the contact.
//   Captured at once, through the intake API's capture (dedupe, scoring, idempotency).
// - POST /api/v1/crm/hubspot/webhooks: the Webhooks API's batches of events (ids only). Each
//   record to read is queued in the outbox, which reads it from HubSpot and captures it,
//   retried within HubSpot's rate limits; HubSpot gets its 200 as soon as the batch is stored.
// Both take HubSpot's v3 signature (HUBSPOT_CLIENT_SECRET), or an intake token as a Bearer
// token for a workflow that sends an Authorization header instead.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Deps } from "#src/context.ts";
import { contactToLead, type FieldIssue } from "#src/crm/hubspot/contact-mapping.ts";
import { convertIfStageReached } from "#src/crm/hubspot/conversions.ts";
import { contactFromWorkflow, webhookBatchSchema } from "#src/crm/hubspot/payloads.ts";
import { queueWebhookEvents } from "#src/crm/hubspot/queue-events.ts";
import { checkHubSpotSignature } from "#src/crm/hubspot/signature.ts";
import { AppError } from "#src/errors.ts";
import { type IntakeSeam, leadAnswer, parse, sendError } from "#src/http/intake-routes.ts";
import { checkType, JSON_BODY, parseJson, readBytes } from "#src/http/read-json.ts";
import { type HttpServer, sendJson } from "#src/http/server.ts";

export const HUBSPOT_WORKFLOW_PATH = "/api/v1/crm/hubspot/workflow";
export const HUBSPOT_WEBHOOKS_PATH = "/api/v1/crm/hubspot/webhooks";

export function registerHubSpotRoutes(http: HttpServer, deps: Deps, seam: IntakeSeam): void {
  // Who is calling is settled before anything about the body: an unauthenticated caller gets
  // 401 whatever it sent, and learns nothing of what Baton accepts.
  const read = async (req: IncomingMessage) => {
    const signed = header(req, "x-hubspot-signature-v3") !== undefined;
    if (!signed) {
      try {
        seam.authenticate(req);
      } catch (error) {
        req.resume();
        throw error;
      }
    }
    const raw = await readBytes(req, deps.config.intake.maxBodyBytes);
    if (signed) checkSignature(req, raw, deps);
    checkType(req, JSON_BODY);
    return parseJson(raw);
  };
  const handle =
    (fn: (req: IncomingMessage, res: ServerResponse) => Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse) => {
      try {
        await fn(req, res);
      } catch (error) {
        sendError(res, error, deps);
      }
    };

  http.route(
    "POST",
    HUBSPOT_WORKFLOW_PATH,
    handle(async (req, res) => {
      const { value, raw } = await read(req);
      const contact = refuseIssues(contactFromWorkflow(value));
      const mapped = contactToLead(contact, deps.playbook.current.crm.hubspot);
      if (!mapped.ok) throw invalid(mapped.issues);
      const key = {
        key: `hubspot:contact:${contact.id}`,
        strict: false,
        requestHash: createHash("sha256").update(raw).digest("hex"),
      };
      const { status, body, replayed } = await seam.intake.once(key, async () => {
        const result = await seam.intake.capture(mapped.request, { type: "API", id: "hubspot" });
        await convertIfStageReached(deps, result.leadId, contact);
        return leadAnswer(result);
      });
      if (replayed) res.setHeader("Idempotent-Replayed", "true");
      sendJson(res, status, body);
    }),
  );

  http.route(
    "POST",
    HUBSPOT_WEBHOOKS_PATH,
    handle(async (req, res) => {
      const { value } = await read(req);
      const events = parse(webhookBatchSchema, value);
      if (!deps.config.hubspot.accessToken) {
        throw new AppError(
          "unavailable",
          "Baton cannot read HubSpot records: HUBSPOT_ACCESS_TOKEN is not set. Set it to your private app's access token and restart Baton.",
        );
      }
      const queued = await queueWebhookEvents(deps.db, events, deps.clock.now());
      if (queued.queued > 0) deps.wakeOutbox?.();
      sendJson(res, 200, queued);
    }),
  );
}

/** HubSpot's v3 signature over the request's URI, body and timestamp. */
function checkSignature(req: IncomingMessage, raw: Buffer, deps: Deps): void {
  const signature = header(req, "x-hubspot-signature-v3")!;
  const secret = deps.config.hubspot.clientSecret;
  if (!secret) {
    throw new AppError(
      "unauthorized",
      "This request is signed by HubSpot, but Baton has no HUBSPOT_CLIENT_SECRET to check it with. Set it to your HubSpot app's client secret.",
    );
  }
  const check = checkHubSpotSignature(
    secret,
    {
      method: req.method ?? "POST",
      uri: publicUri(req, deps.config.publicUrl),
      body: raw.toString("utf8"),
      timestamp: header(req, "x-hubspot-request-timestamp"),
      signature,
    },
    deps.clock.now(),
  );
  if (check.valid) return;
  deps.logger.warn(
    { reason: check.reason, path: req.url },
    "HubSpot request refused: its signature does not check out (verify HUBSPOT_CLIENT_SECRET, and PUBLIC_URL behind a proxy)",
  );
  throw new AppError(
    "unauthorized",
    check.reason === "stale"
      ? "The HubSpot request timestamp is more than 5 minutes from Baton's clock."
      : "The HubSpot signature (X-HubSpot-Signature-v3) is not valid.",
  );
}

/** The URI HubSpot called: PUBLIC_URL (behind a proxy) or the request's own host and scheme. */
function publicUri(req: IncomingMessage, publicUrl: string | undefined): string {
  const path = req.url ?? "/";
  if (publicUrl) return `${publicUrl}${path}`;
  const forwarded = header(req, "x-forwarded-proto")?.split(",")[0]?.trim();
  const scheme = forwarded ?? ("encrypted" in req.socket ? "https" : "http");
  return `${scheme}://${header(req, "host") ?? "localhost"}${path}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function refuseIssues<T>(parsed: { ok: true; value: T } | { ok: false; issues: FieldIssue[] }): T {
  if (!parsed.ok) throw invalid(parsed.issues);
  return parsed.value;
}

function invalid(issues: FieldIssue[]): AppError {
  return new AppError("bad_request", "The HubSpot contact has invalid fields.", {
    details: issues,
  });
}

// Salesforce in (docs/integrations/salesforce.md): POST /api/v1/crm/salesforce/outbound takes a
// workflow rule's or flow's Outbound Message on the Lead object (SOAP 1.1, up to 100
// notifications). The org must be SALESFORCE_ORGANIZATION_ID's (else 401, nothing written);
// every Lead is mapped first, and one bad Lead refuses the message with a SOAP fault naming its
// field (400, nothing written); then each notification is captured through the intake's
// capture (dedupe, scoring, idempotency) once per notification id, and only then is the Ack
// sent: Salesforce retries a message until it gets it, for up to 24 hours, out of order and
// sometimes more than once.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Deps } from "#src/context.ts";
import { leadIdByCrmId } from "#src/crm/lead-by-crm-id.ts";
import type { FieldIssue } from "#src/crm/record-mapping.ts";
import {
  conversionOf,
  salesforceDate,
  salesforceLeadToRequest,
} from "#src/crm/salesforce/lead-mapping.ts";
import {
  ackEnvelope,
  faultEnvelope,
  type OutboundMessage,
  type OutboundNotification,
  parseOutboundMessage,
} from "#src/crm/salesforce/outbound-message.ts";
import { isDatabaseUnavailable } from "#src/db/connection-errors.ts";
import { AppError } from "#src/errors.ts";
import type { IntakeSeam } from "#src/http/intake-routes.ts";
import { readBody } from "#src/http/read-json.ts";
import type { HttpServer } from "#src/http/server.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import { enqueueAll, message } from "#src/outbox/messages.ts";

export const SALESFORCE_OUTBOUND_PATH = "/api/v1/crm/salesforce/outbound";

const XML_TYPES = new Set(["text/xml", "application/xml", "application/soap+xml"]);

export function registerSalesforceRoutes(http: HttpServer, deps: Deps, seam: IntakeSeam): void {
  http.route("POST", SALESFORCE_OUTBOUND_PATH, async (req, res) => {
    try {
      const notifications = await readMessage(req, deps);
      const leads = mapAll(notifications, deps);
      const results = await Promise.all(
        notifications.notifications.map((n, i) =>
          captureOnce(deps, seam, notifications.organizationId, n, leads[i]!),
        ),
      );
      deps.logger.info(
        {
          notifications: results.length,
          replayed: results.filter((r) => r.replayed).length,
        },
        "Salesforce outbound message stored",
      );
      sendXml(res, 200, ackEnvelope());
    } catch (error) {
      sendFault(res, error, deps);
    }
  });
}

async function readMessage(req: IncomingMessage, deps: Deps): Promise<OutboundMessage> {
  const { text } = await readBody(req, deps.config.intake.maxBodyBytes, {
    accepts: (type) => XML_TYPES.has(type),
    expected: "Send the Outbound Message as SOAP XML with Content-Type: text/xml.",
  });
  const parsed = parseOutboundMessage(text);
  if (!parsed.ok) throw invalid(parsed.issues);
  const expected = deps.config.salesforce.organizationId;
  if (!expected) {
    throw new AppError(
      "unavailable",
      "Baton takes Salesforce Outbound Messages only from the org set in SALESFORCE_ORGANIZATION_ID, which is not set. Set it (Setup → Company Information) and restart Baton; Salesforce retries this message meanwhile.",
    );
  }
  // Salesforce sends the 18-character id; the 15-character form is the same org.
  if (parsed.value.organizationId.slice(0, 15) !== expected.slice(0, 15)) {
    deps.logger.warn(
      { organizationId: parsed.value.organizationId },
      "Salesforce outbound message refused: it comes from another org than SALESFORCE_ORGANIZATION_ID",
    );
    throw new AppError(
      "unauthorized",
      "This Outbound Message comes from an org other than the one in SALESFORCE_ORGANIZATION_ID.",
    );
  }
  return parsed.value;
}

/** Every notification's lead request, or the issues of all of them: nothing is written. */
function mapAll(message: OutboundMessage, deps: Deps): LeadRequest[] {
  const settings = deps.playbook.current.crm.salesforce;
  const issues: FieldIssue[] = [];
  const requests: LeadRequest[] = [];
  message.notifications.forEach((n, index) => {
    const at = `notifications.Notification[${index}].sObject`;
    if (n.type !== "Lead") {
      issues.push({
        path: at,
        message: `must be a Lead (xsi:type="sf:Lead"), not ${n.type}: this endpoint takes Outbound Messages on the Lead object`,
        code: "invalid_value",
      });
      return;
    }
    const mapped = salesforceLeadToRequest(n.fields, settings, at);
    if (mapped.ok) requests.push(mapped.request);
    else issues.push(...mapped.issues);
  });
  if (issues.length > 0) throw invalid(issues);
  return requests;
}

/**
 * Captures one notification's Lead, once per notification id: Salesforce's retries get the
 * stored answer and change nothing. A Lead older than the one Baton has (a retry that arrives
 * after a later change) changes nothing either.
 */
async function captureOnce(
  deps: Deps,
  seam: IntakeSeam,
  organizationId: string,
  notification: OutboundNotification,
  request: LeadRequest,
) {
  const key = {
    key: `salesforce:${organizationId.slice(0, 15)}:notification:${notification.id}`,
    strict: true,
    // A notification id is one notification: its retries are the same request.
    requestHash: notification.id,
  };
  return seam.intake.once(key, async () => {
    const salesforceId = request.externalIds!.salesforce!;
    if (await newerKnown(deps, salesforceId, notification)) {
      return { status: 200, body: { skipped: "Baton has a later version of this Lead" } };
    }
    const result = await seam.intake.capture(request, { type: "API", id: "salesforce" });
    const conversion = conversionOf(notification.fields);
    if (conversion) {
      await enqueueAll(deps.db.prisma, [
        message(
          "salesforce.convert",
          { leadId: result.leadId, opportunityId: conversion.opportunityId },
          {
            now: deps.clock.now(),
            orderingKey: `salesforce:lead:${result.leadId}`,
            target: "salesforce",
            dedupeKey: `salesforce:convert:${result.leadId}`,
          },
        ),
      ]);
      deps.wakeOutbox?.();
    }
    return { status: 200, body: { leadId: result.leadId, created: result.created } };
  });
}

async function newerKnown(deps: Deps, salesforceId: string, notification: OutboundNotification) {
  const modified = salesforceDate(notification.fields.LastModifiedDate);
  if (!modified) return false;
  const leadId = await leadIdByCrmId(deps.db, "salesforce", salesforceId);
  const lead = leadId
    ? await deps.db.prisma.lead.findUnique({ where: { id: leadId }, select: { attributes: true } })
    : undefined;
  const known = (lead?.attributes as Record<string, unknown> | undefined)?.salesforceModifiedAt;
  return typeof known === "string" && known > modified.toISOString();
}

function invalid(issues: FieldIssue[]): AppError {
  return new AppError("bad_request", "The Salesforce Outbound Message has invalid fields.", {
    details: issues,
  });
}

/** A SOAP fault: Client for what the message got wrong, Server for what Baton could not do. */
function sendFault(res: ServerResponse, error: unknown, deps: Deps): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof AppError) {
    const issues = Array.isArray(error.details) ? (error.details as FieldIssue[]) : [];
    const text = [error.userMessage, ...issues.map((i) => `${i.path} ${i.message}`)].join(" ");
    if (error.code === "unavailable") res.setHeader("Retry-After", "5");
    sendXml(res, error.status, faultEnvelope(error.status >= 500 ? "Server" : "Client", text));
    return;
  }
  if (isDatabaseUnavailable(error)) {
    deps.logger.warn({ err: error }, "Salesforce outbound message refused: database unavailable");
    res.setHeader("Retry-After", "5");
    sendXml(res, 503, faultEnvelope("Server", "Baton cannot reach its database right now."));
    return;
  }
  deps.logger.error({ err: error }, "Salesforce outbound message failed");
  sendXml(
    res,
    500,
    faultEnvelope("Server", "Baton could not store this message. It has been logged."),
  );
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "Content-Type": "text/xml; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(body);
}

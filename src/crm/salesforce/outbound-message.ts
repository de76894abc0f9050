// Salesforce Outbound Messaging (SOAP 1.1), read with fast-xml-parser. What Salesforce sends
// (the outbound messaging WSDL, namespace http://soap.sforce.com/2005/09/outbound):
//
//   <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ...>
//    <soapenv:Body>
//     <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
//      <OrganizationId>00D...</OrganizationId> <ActionId>04k...</ActionId>
//      <SessionId xsi:nil="true"/> <EnterpriseUrl>...</EnterpriseUrl> <PartnerUrl>...</PartnerUrl>
//      <Notification>                                   (1 to 100 of them)
//       <Id>04l...</Id>                                  (the notification's id)
//       <sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
//        <sf:Id>00Q...</sf:Id> <sf:Email>...</sf:Email> ...  (the fields the message sends)
//       </sObject>
//      </Notification>
//     </notifications>
//    </soapenv:Body>
//   </soapenv:Envelope>
//
// and what it waits for before it stops retrying: a notificationsResponse with Ack true.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { FieldIssue } from "#src/crm/record-mapping.ts";

export const OUTBOUND_NAMESPACE = "http://soap.sforce.com/2005/09/outbound";
const SOAP_ENVELOPE = "http://schemas.xmlsoap.org/soap/envelope/";
/** The WSDL's maxOccurs for Notification. */
export const MAX_NOTIFICATIONS = 100;

/** A record's fields by API name; null for a field sent as xsi:nil (empty in Salesforce). */
export type SObjectFields = Record<string, string | null>;

export interface OutboundNotification {
  /** The notification's id: the same on each of Salesforce's retries. */
  id: string;
  /** The sObject's type without its prefix: "Lead". */
  type: string;
  fields: SObjectFields;
}

export interface OutboundMessage {
  organizationId: string;
  actionId: string | undefined;
  notifications: OutboundNotification[];
}

export type ParsedMessage =
  | { ok: true; value: OutboundMessage }
  | { ok: false; issues: FieldIssue[] };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  // Every value as the text Salesforce sent: "00501" stays a string, "true" is not a boolean.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name, path) =>
    name === "Notification" && String(path).endsWith("notifications.Notification"),
  // SOAP messages carry no DTD; entities other than XML's five are not expanded.
  processEntities: true,
  htmlEntities: false,
});

const ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** The message in the envelope, or the issues that refuse it (by element path). */
export function parseOutboundMessage(xml: string): ParsedMessage {
  if (/<!DOCTYPE/i.test(xml)) {
    return failed("Envelope", "must not have a DOCTYPE (SOAP messages carry none)");
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    return failed("Envelope", `is not well-formed XML: ${msg} (line ${line}, column ${col})`);
  }
  const root = parser.parse(xml) as Record<string, unknown>;
  const envelope = child(root, "Envelope");
  if (!envelope) return failed("Envelope", `must be a SOAP 1.1 Envelope (${SOAP_ENVELOPE})`);
  const body = child(envelope, "Body");
  const notifications = body && child(body, "notifications");
  if (!notifications) {
    return failed(
      "Envelope.Body.notifications",
      "is required: the body of a Salesforce Outbound Message (notifications)",
    );
  }
  const issues: FieldIssue[] = [];
  const organizationId = text(notifications.OrganizationId);
  if (!organizationId || !ID.test(organizationId)) {
    issues.push(
      issue("notifications.OrganizationId", "is required: the sending org's id (00D...)"),
    );
  }
  const list = Array.isArray(notifications.Notification) ? notifications.Notification : [];
  if (list.length === 0) {
    issues.push(issue("notifications.Notification", "must have at least one Notification"));
  }
  if (list.length > MAX_NOTIFICATIONS) {
    issues.push(
      issue("notifications.Notification", `must have at most ${MAX_NOTIFICATIONS} notifications`),
    );
  }
  const parsed: OutboundNotification[] = [];
  list.slice(0, MAX_NOTIFICATIONS).forEach((item: unknown, index: number) => {
    const at = `notifications.Notification[${index}]`;
    const notification = typeof item === "object" && item !== null ? (item as Node) : {};
    const id = text(notification.Id);
    if (!id || !ID.test(id)) {
      issues.push(issue(`${at}.Id`, "is required: the notification's id (04l...)"));
    }
    const sObject = child(notification, "sObject");
    if (!sObject) {
      issues.push(issue(`${at}.sObject`, "is required: the record the notification is about"));
      return;
    }
    const type = attr(sObject, "@type")?.replace(/^.*:/, "");
    if (!type) {
      issues.push(issue(`${at}.sObject`, 'must say its type (xsi:type="sf:Lead")'));
      return;
    }
    const fields: SObjectFields = {};
    for (const [name, value] of Object.entries(sObject)) {
      if (name.startsWith("@")) continue;
      if (typeof value === "object" && value !== null && !isLeaf(value as Node)) {
        issues.push(issue(`${at}.sObject.${name}`, "must be a field value, not a nested element"));
        continue;
      }
      fields[name] = Array.isArray(value) ? null : leafText(value);
    }
    if (id) parsed.push({ id, type, fields });
  });
  if (issues.length > 0 || !organizationId) return { ok: false, issues };
  return {
    ok: true,
    value: { organizationId, actionId: text(notifications.ActionId), notifications: parsed },
  };
}

/** The answer that tells Salesforce the notifications are stored: it stops retrying them. */
export function ackEnvelope(ack = true): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE}">`,
    "<soapenv:Body>",
    `<notificationsResponse xmlns="${OUTBOUND_NAMESPACE}">`,
    `<Ack>${ack}</Ack>`,
    "</notificationsResponse>",
    "</soapenv:Body>",
    "</soapenv:Envelope>",
  ].join("");
}

/** A SOAP 1.1 fault: Client (the message is wrong, do not resend as is) or Server. */
export function faultEnvelope(code: "Client" | "Server", message: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE}">`,
    "<soapenv:Body>",
    "<soapenv:Fault>",
    `<faultcode>soapenv:${code}</faultcode>`,
    `<faultstring>${escapeXml(message)}</faultstring>`,
    "</soapenv:Fault>",
    "</soapenv:Body>",
    "</soapenv:Envelope>",
  ].join("");
}

export function escapeXml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

type Node = Record<string, unknown>;

function child(node: Node, name: string): Node | undefined {
  const value = node[name];
  const single = Array.isArray(value) ? value[0] : value;
  return typeof single === "object" && single !== null ? (single as Node) : undefined;
}

function attr(node: Node, name: string): string | undefined {
  const value = node[name];
  return typeof value === "string" ? value : undefined;
}

/** An element with attributes only (xsi:nil) or text and attributes. */
function isLeaf(node: Node): boolean {
  return Object.keys(node).every((k) => k.startsWith("@") || k === "#text");
}

function leafText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    const node = value as Node;
    if (node["@nil"] === "true") return null;
    return typeof node["#text"] === "string" ? node["#text"] : "";
  }
  return value === undefined || value === null ? null : String(value);
}

function text(value: unknown): string | undefined {
  const read = leafText(Array.isArray(value) ? value[0] : value);
  return read ? read : undefined;
}

function failed(path: string, message: string): { ok: false; issues: FieldIssue[] } {
  return { ok: false, issues: [issue(path, message)] };
}

function issue(path: string, message: string): FieldIssue {
  return { path, message, code: "invalid_value" };
}

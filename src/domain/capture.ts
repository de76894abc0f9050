// What a capture does to a lead, given the lead as stored and the request: the fields it sets,
// the score the lead has afterwards, whether that makes it ready for sales (capture's lifecycle
// move is `qualify`), the audit events that tell it, and what sales should hear. Pure: the
// caller reads the lead and writes the outcome, for one request or a batch of them.

import { LEAD_FIELDS, type LeadField } from "#src/domain/lead-fields.ts";
import type { LeadStatus } from "#src/domain/lifecycle.ts";
import { decideQualification, type QualificationDecision } from "#src/domain/qualification.ts";
import { type Score, type ScoredActivity, scoreLead } from "#src/domain/scoring.ts";
import type { Scoring } from "#src/playbook/schema.ts";

export { LEAD_FIELDS, type LeadField };

export type Fields = Partial<Record<Exclude<LeadField, "companySize">, string>> & {
  companySize?: number;
};

/** A request as the intake API and the CSV importer validate it (intake/schemas.ts). */
export type CaptureRequest = Fields & {
  /** Normalized: trimmed, lower case. */
  email: string;
  /** "First Last", split when firstName and lastName are absent. */
  name?: string;
  externalIds?: Record<string, string>;
  attributes?: Record<string, unknown>;
  activities?: readonly ScoredActivity[];
};

/** Mailbox providers: their domain says nothing about the lead's company. */
const FREE_MAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "yahoo.com",
  "hotmail.com",
  "outlook.com",
  "live.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.de",
  "gmx.net",
  "web.de",
  "yandex.ru",
  "mail.ru",
  "qq.com",
  "163.com",
]);

/** Statuses in which a lead is with sales: new activity is news for its owner. */
const WITH_SALES: readonly LeadStatus[] = ["OFFERED", "CLAIMED", "WORKING"];

/** The fields this request sets; absent ones leave the stored value alone. */
export function leadFields(request: CaptureRequest): Fields {
  const [first, ...rest] = request.name?.split(/\s+/) ?? [];
  const fields: Fields = {
    firstName: request.firstName ?? (request.name ? first : undefined),
    lastName: request.lastName ?? (request.name && rest.length > 0 ? rest.join(" ") : undefined),
    title: request.title,
    company: request.company,
    companyDomain: request.companyDomain,
    companySize: request.companySize,
    industry: request.industry,
    country: request.country,
    region: request.region,
    city: request.city,
    phone: request.phone,
    linkedinUrl: request.linkedinUrl,
    website: request.website,
    source: request.source,
    campaign: request.campaign,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Fields;
}

export function emailDomainOf(email: string): string {
  return email.split("@")[1] ?? "";
}

/** The company's domain: the one sent, else the email's unless that is a mailbox provider's. */
export function companyDomainOf(request: CaptureRequest): string | undefined {
  const emailDomain = emailDomainOf(request.email);
  return request.companyDomain ?? (FREE_MAIL.has(emailDomain) ? undefined : emailDomain);
}

/** A new lead's columns from its request (its score and status are decided by decideCapture). */
export function newLeadColumns(request: CaptureRequest) {
  return {
    ...leadFields(request),
    email: request.email,
    emailDomain: emailDomainOf(request.email),
    companyDomain: companyDomainOf(request) ?? null,
    externalIds: request.externalIds ?? {},
    attributes: request.attributes ?? {},
  };
}

/** The lead as stored, as far as a capture looks at it. A new lead: NEW_LEAD. */
export interface StoredLead {
  status: LeadStatus;
  resurfaceAt: Date | null;
  attributes: Record<string, unknown>;
}

export const NEW_LEAD: StoredLead = { status: "CAPTURED", resurfaceAt: null, attributes: {} };

export interface CaptureEvent {
  type: "captured" | "merged" | "qualified" | "nurtured";
  fromStatus: LeadStatus | null;
  toStatus: LeadStatus | null;
  reason: string | null;
  data: Record<string, unknown>;
}

export type Trigger =
  | { kind: "hand_raise"; activityType: string; score: number }
  | { kind: "score"; score: number; threshold: number; top: string[] };

/** What sales hears: the lead handed to them, or new activity on a lead they hold. */
export type SalesNews = "handoff" | "activity" | null;

export interface CaptureDecision {
  score: Score;
  status: LeadStatus;
  /** It became ready for sales with this capture. */
  qualified: boolean;
  trigger: Trigger | null;
  /** It went to nurture for the first time. */
  nurtured: boolean;
  events: CaptureEvent[];
  news: SalesNews;
  activitiesAdded: number;
  activitiesDuplicate: number;
}

export interface CaptureFacts {
  lead: StoredLead;
  created: boolean;
  request: CaptureRequest;
  /** The lead's fields after this capture: fit scoring looks at the whole lead. */
  fields: Fields;
  /** Activities the behaviour score counts: those stored, this capture's included. */
  scored: ScoredActivity[];
  /** Activities this capture stored; the others it sent were stored before. */
  added: number;
}

/**
 * Scores the captured lead and decides what changes: its status, the audit events and the
 * news for sales (a handoff when it qualifies, new activity when it is with sales already).
 */
export function decideCapture(
  facts: CaptureFacts,
  policy: { scoring: Scoring; now: Date },
): CaptureDecision {
  const { lead, request, added } = facts;
  const { scoring, now } = policy;
  const score = scoreLead(
    {
      ...facts.fields,
      email: request.email,
      emailDomain: emailDomainOf(request.email),
      attributes: { ...lead.attributes, ...(request.attributes ?? {}) },
    },
    facts.scored,
    scoring,
    now,
  );
  // Only activities stored now can raise a hand: a retried request re-sends old ones.
  const newHandRaise =
    added > 0 ? latestHandRaise(request.activities ?? [], scoring.handRaises) : undefined;
  const decision = decideQualification({
    status: lead.status,
    score: score.total,
    threshold: scoring.threshold,
    newHandRaise,
    resurfaceAt: lead.resurfaceAt,
    now,
  });
  const qualified = decision.status === "QUALIFIED" && lead.status !== "QUALIFIED";
  const trigger = qualified ? triggerOf(decision, score, scoring) : null;
  const sent = request.activities?.length ?? 0;
  return {
    score,
    status: decision.status,
    qualified,
    trigger,
    nurtured: decision.status === "NURTURE" && lead.status === "CAPTURED",
    events: captureEvents(facts, decision, { score, scoring, trigger, qualified }),
    news: salesNews({ qualified, status: decision.status, activitiesAdded: added }),
    activitiesAdded: added,
    activitiesDuplicate: sent - added,
  };
}

/** What sales hears of a capture with this outcome. */
export function salesNews(outcome: {
  qualified: boolean;
  status: LeadStatus;
  activitiesAdded: number;
}): SalesNews {
  if (outcome.qualified) return "handoff";
  return outcome.activitiesAdded > 0 && WITH_SALES.includes(outcome.status) ? "activity" : null;
}

function triggerOf(decision: QualificationDecision, score: Score, scoring: Scoring): Trigger {
  return decision.trigger === "hand_raise"
    ? { kind: "hand_raise", activityType: decision.handRaise, score: score.total }
    : {
        kind: "score",
        score: score.total,
        threshold: scoring.threshold,
        top: score.breakdown.slice(0, 3).map((line) => line.label),
      };
}

function captureEvents(
  facts: CaptureFacts,
  decision: QualificationDecision,
  outcome: { score: Score; scoring: Scoring; trigger: Trigger | null; qualified: boolean },
): CaptureEvent[] {
  const { lead, request, created, added } = facts;
  const events: CaptureEvent[] = [
    {
      type: created ? "captured" : "merged",
      fromStatus: null,
      toStatus: created ? "CAPTURED" : null,
      reason: null,
      data: {
        activitiesAdded: added,
        activitiesDuplicate: (request.activities?.length ?? 0) - added,
        source: request.source ?? null,
        campaign: request.campaign ?? null,
      },
    },
  ];
  if (decision.status !== lead.status) {
    events.push({
      type: outcome.qualified ? "qualified" : "nurtured",
      fromStatus: lead.status,
      toStatus: decision.status,
      reason: statusReason(decision, outcome),
      data: outcome.trigger ?? {},
    });
  }
  return events;
}

function statusReason(
  decision: QualificationDecision,
  outcome: { score: Score; scoring: Scoring; qualified: boolean },
): string {
  const { score, scoring } = outcome;
  if (!outcome.qualified) return `score ${score.total} is below the threshold ${scoring.threshold}`;
  return decision.trigger === "hand_raise"
    ? `hand-raise: ${decision.handRaise}`
    : `score ${score.total} reached the threshold ${scoring.threshold}`;
}

function latestHandRaise(
  activities: readonly ScoredActivity[],
  handRaises: string[],
): string | undefined {
  return activities
    .filter((a) => handRaises.includes(a.type))
    .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())[0]?.type;
}

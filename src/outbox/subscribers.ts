// Who hears of each lead fact: the lead's card, the people concerned, the marketing feed and
// the webhook receivers (and, next, the CRM). A use case records a fact once; `recordFacts`
// writes one outbox message per subscriber in the same transaction, each delivered, paced and
// retried on its own, in order per lead. Each subscriber is a pure function from a fact to the
// messages it wants, so a writer of many facts (the SLA sweep) inserts them all at once.
import type { Config } from "#src/config.ts";
import type { Prisma } from "#src/db/generated/client.ts";
import type { FactOf, LeadFact, PeopleFact } from "#src/domain/lead-facts.ts";
import { enqueue, enqueueAll, message, type OutboxInsert } from "#src/outbox/messages.ts";
import { WEBHOOK_EVENTS, type WebhookEvent } from "#src/outbox/webhooks.ts";
import type { Playbook } from "#src/playbook/schema.ts";

type Tx = Prisma.TransactionClient;

export interface FactContext {
  playbook: Playbook;
  webhooks: Config["webhooks"];
  now: Date;
}

/** Records each fact for every subscriber that wants it. */
export async function recordFacts(tx: Tx, ctx: FactContext, ...facts: LeadFact[]): Promise<void> {
  await enqueueAll(tx, messagesOf(ctx, facts));
}

/** The messages the subscribers want for these facts, in the order they are to be delivered. */
export function messagesOf(ctx: FactContext, facts: LeadFact[]): OutboxInsert[] {
  return facts.flatMap((fact) => [
    ...card(ctx, fact),
    ...notices(ctx, fact),
    ...feed(ctx, fact),
    ...webhooks(ctx, fact),
    ...homes(ctx, fact),
    ...hubspot(ctx, fact),
    ...salesforce(ctx, fact),
  ]);
}

/** Tells one person (DM) or the lead's thread about a fact, rendered when delivered. */
export async function notify(
  tx: Tx,
  ctx: FactContext,
  fact: LeadFact,
  to: { user: string } | { thread: { broadcast: boolean } },
): Promise<void> {
  await enqueueAll(tx, [notice(ctx, fact, to)]);
}

function notice(
  ctx: FactContext,
  fact: LeadFact,
  to: { user: string } | { thread: { broadcast: boolean } },
): OutboxInsert {
  return message(
    "lead.notice",
    { fact, to },
    {
      now: ctx.now,
      orderingKey: fact.leadId,
      target: "user" in to ? `dm:${to.user}` : undefined,
    },
  );
}

/** The managers of each team whose leads moved hear where they went. */
export async function recordPeopleFact(tx: Tx, ctx: FactContext, fact: PeopleFact) {
  for (const team of ctx.playbook.teams) {
    if (!fact.moved.some((m) => m.teamKey === team.key)) continue;
    for (const manager of team.managers) {
      await enqueue(
        tx,
        "people.notice",
        { fact, user: manager },
        { now: ctx.now, target: `dm:${manager}` },
      );
    }
  }
}

// --- the card --------------------------------------------------------------------------------

function card(ctx: FactContext, fact: LeadFact): OutboxInsert[] {
  const { leadId } = fact;
  const update = () => [
    message("lead.card.update", { leadId }, { now: ctx.now, orderingKey: leadId }),
  ];
  if (fact.type === "sla_due" || fact.type === "resurfaced") return [];
  if (fact.type !== "offered" || fact.reopened) return update();
  const options = {
    now: ctx.now,
    orderingKey: leadId,
    dedupeKey: `card:${leadId}:${fact.cycle}`,
  };
  return [
    fact.rep
      ? message(
          "lead.card.dm",
          { leadId, user: fact.rep },
          { ...options, target: `dm:${fact.rep}` },
        )
      : message(
          "lead.card.post",
          { leadId, channel: fact.channel ?? "" },
          { ...options, target: fact.channel ?? undefined },
        ),
    // The AI brief comes after the card, on its own key so a slow model holds nothing up.
    message(
      "lead.brief",
      { leadId },
      { now: ctx.now, orderingKey: `brief:${leadId}`, dedupeKey: `brief:${leadId}` },
    ),
  ];
}

// --- people ---------------------------------------------------------------------------------

function notices(ctx: FactContext, fact: LeadFact): OutboxInsert[] {
  const rows = noticeRecipients(ctx.playbook, fact).map((user) => notice(ctx, fact, { user }));
  if (fact.type === "sla_due" && fact.step === "remind") {
    rows.push(notice(ctx, fact, { thread: { broadcast: false } }));
  }
  return rows;
}

/** The people told of a fact by DM. */
function noticeRecipients(playbook: Playbook, fact: LeadFact): string[] {
  const managers = playbook.teams.find((t) => t.key === fact.teamKey)?.managers ?? [];
  switch (fact.type) {
    case "reassigned":
      return [fact.to, ...(fact.from ? [fact.from] : [])];
    case "recalled":
      return fact.owner ? [fact.owner] : [];
    case "expired":
      return [...(fact.owner ? [fact.owner] : []), ...managers];
    case "sla_due":
      switch (fact.step) {
        case "remind":
          return fact.offeredTo ? [fact.offeredTo] : [];
        case "nudge":
          return fact.owner ? [fact.owner] : [];
        case "follow_up":
          return fact.owner ? [fact.owner, ...(fact.ownerAway ? managers : [])] : [];
        case "ghost":
          return fact.ghost === "held-admins" ? playbook.admins : managers;
        default:
          return managers;
      }
    default:
      return [];
  }
}

// --- App Homes ------------------------------------------------------------------------------

/**
 * Whoever a fact takes the lead from still sees it in their App Home: theirs is redrawn. (The
 * Homes of the people who hold the lead now are redrawn with its card.)
 */
function homes(ctx: FactContext, fact: LeadFact): OutboxInsert[] {
  return formerHolders(fact).map((user) =>
    message("home.publish", { user }, { now: ctx.now, orderingKey: `home:${user}` }),
  );
}

function formerHolders(fact: LeadFact): string[] {
  switch (fact.type) {
    case "offer_ended":
      return fact.rep ? [fact.rep] : [];
    case "released":
    case "expired":
    case "recalled":
      return fact.owner ? [fact.owner] : [];
    case "unassigned":
      return [fact.owner];
    case "reassigned":
      return fact.from && fact.from !== fact.to ? [fact.from] : [];
    default:
      return [];
  }
}

// --- marketing ------------------------------------------------------------------------------

const FEED: Partial<Record<LeadFact["type"], true>> = {
  claimed: true,
  disqualified: true,
  nurtured: true,
  converted: true,
  released: true,
  expired: true,
  unassigned: true,
  reassigned: true,
  recalled: true,
};

function feed(ctx: FactContext, fact: LeadFact): OutboxInsert[] {
  if (!FEED[fact.type]) return [];
  const channel = ctx.playbook.marketing.channel;
  return [
    message(
      "lead.feed",
      { fact },
      { now: ctx.now, orderingKey: `feed:${fact.leadId}`, target: channel },
    ),
  ];
}

// --- webhooks -------------------------------------------------------------------------------

/** The webhook event and body of a fact, or undefined for facts receivers do not get. */
export function webhookOf(
  fact: LeadFact,
): { event: WebhookEvent; data: Record<string, unknown> } | undefined {
  const by = (f: { actor: FactOf<"disqualified">["actor"] }) =>
    "person" in f.actor ? f.actor.person : f.actor.system;
  switch (fact.type) {
    case "offered":
      if (fact.reopened) return undefined;
      return {
        event: "lead.qualified",
        data: fact.rep
          ? { team: fact.team, offeredTo: fact.rep, routing: fact.routing }
          : { team: fact.team, routing: fact.routing },
      };
    case "claimed":
      return { event: "lead.claimed", data: { owner: fact.by } };
    case "disqualified":
      return {
        event: "lead.disqualified",
        data: { by: by(fact), reason: fact.reasonKey, note: fact.note, resurfaceAt: null },
      };
    case "nurtured":
      return {
        event: "lead.nurtured",
        data: {
          by: by(fact),
          reason: fact.reasonKey,
          note: fact.note,
          resurfaceAt: fact.resurfaceAt,
        },
      };
    case "converted":
      return {
        event: "lead.converted",
        data: {
          by: by(fact),
          amount: fact.amount,
          opportunityId: fact.opportunityId,
          note: fact.note,
        },
      };
    case "released":
      return {
        event: "lead.released",
        data: { by: by(fact), owner: fact.owner, reason: fact.reason },
      };
    case "expired":
      return { event: "lead.released", data: { by: "sla", owner: fact.owner, reason: "no touch" } };
    case "unassigned":
      return {
        event: "lead.released",
        data: { by: "people", owner: fact.owner, reason: fact.why },
      };
    case "reassigned":
      return { event: "lead.reassigned", data: { by: fact.by, from: fact.from, to: fact.to } };
    case "overflowed":
      return { event: "lead.reassigned", data: { toTeam: fact.toTeam, reason: "sla" } };
    case "recalled":
      return {
        event: "lead.recalled",
        data: { by: fact.by, action: fact.action, owner: fact.owner, note: fact.note },
      };
    default:
      return undefined;
  }
}

function webhooks(ctx: FactContext, fact: LeadFact): OutboxInsert[] {
  const hook = webhookOf(fact);
  if (!hook || !WEBHOOK_EVENTS.includes(hook.event)) return [];
  return ctx.webhooks.urls.map((url) =>
    message(
      "webhook",
      {
        url,
        event: hook.event,
        data: { leadId: fact.leadId, ...hook.data },
        occurredAt: fact.at,
      },
      // One lead's events reach each receiver in order, without waiting on Slack.
      { now: ctx.now, orderingKey: `webhook:${url}:${fact.leadId}`, target: url },
    ),
  );
}

// --- HubSpot --------------------------------------------------------------------------------

/** What a fact changes on the lead's CRM record: its owner, its lead status, or nothing. */
export function crmChangeOf(
  fact: LeadFact,
):
  | { owner?: string; status?: "claimed" | "released" | "disqualified" | "nurtured" | "converted" }
  | undefined {
  switch (fact.type) {
    case "offered":
      return fact.rep ? { owner: fact.rep } : undefined;
    case "claimed":
      return { owner: fact.by, status: "claimed" };
    case "reassigned":
      return { owner: fact.to };
    case "released":
    case "expired":
    case "unassigned":
      return { status: "released" };
    case "disqualified":
      return { status: "disqualified" };
    case "nurtured":
      return { status: "nurtured" };
    case "converted":
      // Converted in the CRM: the CRM already knows.
      return "system" in fact.actor && fact.actor.system === "crm"
        ? undefined
        : { status: "converted" };
    default:
      return undefined;
  }
}

function hubspot(ctx: FactContext, fact: LeadFact): OutboxInsert[] {
  if (!ctx.playbook.crm.hubspot.sync) return [];
  if (fact.type === "touched") {
    return [
      message(
        "hubspot.engagement",
        { leadId: fact.leadId, touch: fact.touch, by: fact.by, kind: fact.kind, at: fact.at },
        // Behind the lead's owner change, on the same key: the note lands on an owned contact.
        { now: ctx.now, orderingKey: `hubspot:lead:${fact.leadId}`, target: "hubspot" },
      ),
    ];
  }
  const change = crmChangeOf(fact);
  if (!change) return [];
  return [
    message(
      "hubspot.update",
      { leadId: fact.leadId, ...change },
      // One lead's updates in order, on their own key: HubSpot never holds up Slack.
      { now: ctx.now, orderingKey: `hubspot:lead:${fact.leadId}`, target: "hubspot" },
    ),
  ];
}

// --- Salesforce -----------------------------------------------------------------------------

/** The reason a decision writes to crm.salesforce.reasonField, or undefined. */
export function salesforceReasonOf(fact: LeadFact): string | undefined {
  const withNote = (what: string, reason: string, note: string | null) =>
    `${what} in Baton: ${reason}${note ? `. ${note}` : ""}`.slice(0, 255);
  switch (fact.type) {
    case "disqualified":
      return withNote("Disqualified", fact.reason, fact.note);
    case "nurtured":
      return withNote("Back to nurture", fact.reason, fact.note);
    case "released":
      return withNote("Released", fact.reason, null);
    case "expired":
      return "Released in Baton: no touch within the SLA";
    case "unassigned":
      return withNote("Released", fact.why, null);
    default:
      return undefined;
  }
}

function salesforce(ctx: FactContext, fact: LeadFact): OutboxInsert[] {
  if (!ctx.playbook.crm.salesforce.sync) return [];
  // One lead's writes in order, on their own key: Salesforce never holds up Slack.
  const options = {
    now: ctx.now,
    orderingKey: `salesforce:lead:${fact.leadId}`,
    target: "salesforce",
  };
  if (fact.type === "touched") {
    return [
      message(
        "salesforce.task",
        { leadId: fact.leadId, by: fact.by, kind: fact.kind, touch: fact.touch },
        { ...options, dedupeKey: `salesforce:task:${fact.leadId}:${fact.touch}` },
      ),
    ];
  }
  const change = crmChangeOf(fact);
  if (!change) return [];
  const reason = salesforceReasonOf(fact);
  return [
    message(
      "salesforce.update",
      { leadId: fact.leadId, ...change, ...(reason ? { reason } : {}) },
      options,
    ),
  ];
}

// Who hears of each lead fact: the lead's card, the people concerned, the marketing feed and
// the webhook receivers (and, next, the CRM). A use case records a fact once; `recordFacts`
// writes one outbox message per subscriber in the same transaction, each delivered, paced and
// retried on its own, in order per lead.
import type { Config } from "#src/config.ts";
import type { Prisma } from "#src/db/generated/client.ts";
import type { FactOf, LeadFact, PeopleFact } from "#src/domain/lead-facts.ts";
import { enqueue } from "#src/outbox/messages.ts";
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
  for (const fact of facts) {
    await card(tx, ctx, fact);
    await notices(tx, ctx, fact);
    await feed(tx, ctx, fact);
    await webhooks(tx, ctx, fact);
    await homes(tx, ctx, fact);
  }
}

/** Tells one person (DM) or the lead's thread about a fact, rendered when delivered. */
export async function notify(
  tx: Tx,
  ctx: FactContext,
  fact: LeadFact,
  to: { user: string } | { thread: { broadcast: boolean } },
): Promise<void> {
  await enqueue(
    tx,
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

async function card(tx: Tx, ctx: FactContext, fact: LeadFact): Promise<void> {
  const { leadId } = fact;
  if (fact.type === "offered") {
    if (fact.reopened) {
      await enqueue(tx, "lead.card.update", { leadId }, { now: ctx.now, orderingKey: leadId });
      return;
    }
    const post = fact.rep
      ? ({
          kind: "lead.card.dm",
          payload: { leadId, user: fact.rep },
          target: `dm:${fact.rep}`,
        } as const)
      : ({
          kind: "lead.card.post",
          payload: { leadId, channel: fact.channel ?? "" },
          target: fact.channel ?? undefined,
        } as const);
    const options = {
      now: ctx.now,
      orderingKey: leadId,
      target: post.target,
      dedupeKey: `card:${leadId}:${fact.cycle}`,
    };
    if (post.kind === "lead.card.dm") await enqueue(tx, post.kind, post.payload, options);
    else await enqueue(tx, post.kind, post.payload, options);
    // The AI brief comes after the card, on its own key so a slow model holds nothing up.
    await enqueue(
      tx,
      "lead.brief",
      { leadId },
      { now: ctx.now, orderingKey: `brief:${leadId}`, dedupeKey: `brief:${leadId}` },
    );
    return;
  }
  if (fact.type === "sla_due" || fact.type === "resurfaced") return;
  await enqueue(tx, "lead.card.update", { leadId }, { now: ctx.now, orderingKey: leadId });
}

// --- people ---------------------------------------------------------------------------------

async function notices(tx: Tx, ctx: FactContext, fact: LeadFact): Promise<void> {
  for (const user of noticeRecipients(ctx.playbook, fact)) {
    await notify(tx, ctx, fact, { user });
  }
  if (fact.type === "sla_due" && fact.step === "remind") {
    await notify(tx, ctx, fact, { thread: { broadcast: false } });
  }
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
async function homes(tx: Tx, ctx: FactContext, fact: LeadFact): Promise<void> {
  for (const user of formerHolders(fact)) {
    await enqueue(tx, "home.publish", { user }, { now: ctx.now, orderingKey: `home:${user}` });
  }
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

async function feed(tx: Tx, ctx: FactContext, fact: LeadFact): Promise<void> {
  if (!FEED[fact.type]) return;
  const channel = ctx.playbook.marketing.channel;
  await enqueue(
    tx,
    "lead.feed",
    { fact },
    { now: ctx.now, orderingKey: `feed:${fact.leadId}`, target: channel },
  );
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

async function webhooks(tx: Tx, ctx: FactContext, fact: LeadFact): Promise<void> {
  const hook = webhookOf(fact);
  if (!hook || !WEBHOOK_EVENTS.includes(hook.event)) return;
  for (const url of ctx.webhooks.urls) {
    await enqueue(
      tx,
      "webhook",
      {
        url,
        event: hook.event,
        data: { leadId: fact.leadId, ...hook.data },
        occurredAt: fact.at,
      },
      // One lead's events reach each receiver in order, without waiting on Slack.
      { now: ctx.now, orderingKey: `webhook:${url}:${fact.leadId}`, target: url },
    );
  }
}

// Lead cards: built when delivered, from the lead as it is then, so a queued card never shows
// a stale state. Posted to the team channel (claim mode) or to the offered rep by DM, and
// updated in place after every change, with the review pages and Home tabs that show the lead.

import { generateBrief } from "#src/ai/brief.ts";
import type { Deps } from "#src/context.ts";
import { enqueue, type Handlers, type Payload, parsePayload } from "#src/outbox/messages.ts";
import { type GroupDelivery, Undeliverable } from "#src/outbox/outbox-worker.ts";
import {
  classifySlackErrors,
  findBurstSummary,
  findMessage,
  type SlackSender,
} from "#src/outbox/slack-handlers.ts";
import { loadBurstLeads } from "#src/read-models/burst-leads.ts";
import { loadNewActivities } from "#src/read-models/lead-activity.ts";
import { loadCardView } from "#src/read-models/lead-card.ts";
import { currentLayout, loadLeadsById } from "#src/read-models/review-leads.ts";
import { buildActivityReply } from "#src/slack/blocks/activity-reply.ts";
import { BURST_PAGE_SIZE, renderBurstPage } from "#src/slack/blocks/burst.ts";
import { renderReviewPage } from "#src/slack/blocks/review.ts";
import { currentCard } from "#src/slack/current-card.ts";
import { homeFor } from "#src/slack/home.ts";

export function cardHandlers(deps: Deps, sender: SlackSender): Handlers {
  return {
    "lead.card.post": ({ leadId, channel }) =>
      classifySlackErrors(() => postCard(deps, sender, leadId, channel)),
    "lead.card.dm": ({ leadId, user }) =>
      classifySlackErrors(() => sendCardByDm(deps, sender, leadId, user)),
    "lead.card.update": ({ leadId }) => classifySlackErrors(() => updateCard(deps, sender, leadId)),
    "lead.activity": (payload) =>
      classifySlackErrors(() => replyWithActivity(deps, sender, payload)),
    "lead.brief": ({ leadId }) => addAiBrief(deps, leadId),
    "home.publish": ({ user }) => classifySlackErrors(() => publishHome(deps, sender, user)),
    "review.update": ({ pageId }) =>
      classifySlackErrors(() => redrawReviewPage(deps, sender, pageId)),
  };
}

async function postCard(deps: Deps, sender: SlackSender, leadId: string, channel: string) {
  return sender.post(channel, {
    ...(await currentCard(deps, leadId)),
    record: { leadId, kind: "card" },
  });
}

async function sendCardByDm(deps: Deps, sender: SlackSender, leadId: string, user: string) {
  const sent = await sender.dm(user, {
    ...(await currentCard(deps, leadId)),
    record: { leadId, kind: "card" },
  });
  await enqueueHomeRefresh(deps, leadId);
  return sent;
}

async function updateCard(deps: Deps, sender: SlackSender, leadId: string) {
  await enqueueReviewUpdates(deps, leadId);
  await enqueueHomeRefresh(deps, leadId);
  if (!(await findMessage(deps.db, leadId, "card"))) {
    const burst = await findBurstSummary(deps.db, leadId);
    if (burst) return postCardUnderBurst(deps, sender, burst.channelId, leadId);
  }
  return sender.update({ leadId, kind: "card", ...(await currentCard(deps, leadId)) });
}

async function replyWithActivity(
  deps: Deps,
  sender: SlackSender,
  { leadId, activities, activityIds }: Payload<"lead.activity">,
) {
  const news = await loadNewActivities(deps.db, leadId, { count: activities, ids: activityIds });
  const reply = buildActivityReply(news.activities, {
    now: deps.clock.now(),
    ownerSlackId: news.ownerSlackId,
    timeZone: deps.playbook.current.timezone,
  });
  const card =
    (await findMessage(deps.db, leadId, "card")) ?? (await findBurstSummary(deps.db, leadId));
  if (!card) return { skipped: "no card to reply under" };
  return sender.post(card.channelId, { ...reply, threadOf: { leadId, kind: "card" } });
}

async function addAiBrief(deps: Deps, leadId: string) {
  const now = deps.clock.now();
  const view = await loadCardView(deps.db, leadId, now, deps.playbook.current);
  if (view.aiBrief) return { skipped: "already has an AI brief" };
  const outcome = await generateBrief(deps.config.openai, view.card, now);
  if (!outcome.ok) {
    // The deterministic brief stays on the card; nothing to retry for a lead's brief.
    if (outcome.reason !== "no_key") {
      deps.logger.warn(
        { leadId, reason: outcome.reason, detail: outcome.detail },
        "AI brief not added",
      );
    }
    return { skipped: outcome.reason };
  }
  // A lead listed on a burst summary has no card yet: the brief waits for its claim.
  const onlyInBurst =
    !(await findMessage(deps.db, leadId, "card")) && !!(await findBurstSummary(deps.db, leadId));
  await deps.db.prisma.$transaction(async (tx) => {
    await tx.lead.update({
      where: { id: leadId },
      data: { aiBrief: JSON.parse(JSON.stringify(outcome.brief)), aiBriefAt: now },
    });
    if (!onlyInBurst) {
      await enqueue(tx, "lead.card.update", { leadId }, { now, orderingKey: leadId });
    }
  });
  return { brief: "added" };
}

async function publishHome(deps: Deps, sender: SlackSender, user: string) {
  const now = deps.clock.now();
  return sender.publishHome(user, await homeFor(deps, user, now));
}

async function redrawReviewPage(deps: Deps, sender: SlackSender, pageId: string) {
  const page = await deps.db.prisma.reviewPage.findUnique({ where: { id: pageId } });
  if (!page) return { skipped: "no such review page" };
  if (page.scope.startsWith("burst:")) {
    return sender.updateMessage(
      page.channelId,
      page.ts,
      renderBurstPage({
        teamName: page.title,
        total: page.total,
        page: page.page,
        pages: page.pages,
        leads: await loadBurstLeads(deps.db, page.leadIds),
      }),
    );
  }
  const leads = await loadLeadsById(deps.db, page.leadIds);
  const layout = currentLayout(
    page.layout as { key: string; continued: boolean; leadIds: string[] }[],
    leads,
  );
  const rendered = renderReviewPage(
    page.title,
    page.total,
    layout,
    page.page,
    page.pages,
    deps.clock.now(),
  );
  return sender.updateMessage(page.channelId, page.ts, rendered);
}

/**
 * Many cards due for one channel at once become a summary (see `renderBurstPage`): each part
 * is one message listing up to BURST_PAGE_SIZE leads, remembered as a review page (scope
 * "burst:<channel>") so it is redrawn as its leads change and later thread replies about a
 * listed lead go under it.
 */
export function cardBurst(deps: Deps, sender: SlackSender): GroupDelivery {
  return {
    kind: "lead.card.post",
    threshold: () => deps.playbook.current.routing.burstSummary,
    max: 1_000,
    partSize: BURST_PAGE_SIZE,
    // Hand-offs make cards: a list being handed off is gathered into one burst, not several.
    waitFor: { kinds: ["lead.handoff"], maxWaitMs: 3_000 },
    deliver: (part, position) =>
      classifySlackErrors(async () => {
        const posts = part.map((row) => parseCardPost(row.payload));
        const channel = posts[0]!.channel;
        const leadIds = posts.map((post) => post.leadId);
        const team = deps.playbook.current.teams.find((t) => t.channel === channel);
        const teamName = team?.name ?? "this channel";
        const rendered = renderBurstPage({
          teamName,
          total: position.total,
          page: position.index,
          pages: position.parts,
          leads: await loadBurstLeads(deps.db, leadIds),
        });
        const sent = await sender.post(channel, rendered);
        await deps.db.prisma.reviewPage.create({
          data: {
            channelId: sent.channel,
            ts: sent.ts,
            scope: `burst:${channel}`,
            title: teamName,
            total: position.total,
            page: position.index,
            pages: position.parts,
            layout: [{ key: "burst", continued: false, leadIds }],
            leadIds,
          },
        });
        return { ...sent, leads: leadIds.length };
      }),
  };
}

/**
 * A lead listed on a burst summary gets its full card, in the summary's thread, once someone
 * owns it: the owner has the whole context, and later updates and replies have a card to use.
 * Until then the summary's redraw (a review page) shows its changes.
 */
async function postCardUnderBurst(
  deps: Deps,
  sender: SlackSender,
  channel: string,
  leadId: string,
) {
  const lead = await deps.db.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
    select: { status: true },
  });
  if (lead.status !== "CLAIMED" && lead.status !== "WORKING") {
    return { skipped: "listed on a burst summary; its card follows when it is claimed" };
  }
  return sender.post(channel, {
    ...(await currentCard(deps, leadId)),
    threadOf: { leadId, kind: "burst" },
    record: { leadId, kind: "card" },
  });
}

/** Review pages posted in the last two weeks that show this lead are redrawn too. */
async function enqueueReviewUpdates(deps: Deps, leadId: string): Promise<void> {
  const since = new Date(deps.clock.now().getTime() - 14 * 86_400_000);
  // A page with an update still waiting to start needs no second one: it is drawn at delivery.
  const pages = await deps.db.prisma.$queryRaw<{ id: string; channelId: string }[]>`
    SELECT r."id", r."channelId" FROM "ReviewPage" r
     WHERE r."leadIds" @> ARRAY[${leadId}::uuid] AND r."createdAt" >= ${since}
       AND NOT EXISTS (
         SELECT 1 FROM "OutboxMessage" o
          WHERE o."orderingKey" = 'review:' || r."id" AND o."status" = 'PENDING'
            AND (o."lockedUntil" IS NULL OR o."lockedUntil" <= ${deps.clock.now()}))`;
  if (pages.length === 0) return;
  await deps.db.prisma.$transaction(async (tx) => {
    for (const page of pages) {
      await enqueue(
        tx,
        "review.update",
        { pageId: page.id },
        { now: deps.clock.now(), orderingKey: `review:${page.id}`, target: page.channelId },
      );
    }
  });
}

/** The people a lead's change concerns (its owner, the rep it is offered to) see it at home. */
async function enqueueHomeRefresh(deps: Deps, leadId: string): Promise<void> {
  const lead = await deps.db.prisma.lead.findUnique({
    where: { id: leadId },
    select: {
      owner: { select: { slackUserId: true } },
      offeredTo: { select: { slackUserId: true } },
    },
  });
  const users = new Set(
    [lead?.owner?.slackUserId, lead?.offeredTo?.slackUserId].filter((u): u is string => !!u),
  );
  if (users.size === 0) return;
  await deps.db.prisma.$transaction(async (tx) => {
    for (const user of users) {
      await enqueue(
        tx,
        "home.publish",
        { user },
        { now: deps.clock.now(), orderingKey: `home:${user}` },
      );
    }
  });
}

/** A grouped card post's payload, by the contract. */
function parseCardPost(payload: unknown) {
  const parsed = parsePayload("lead.card.post", payload);
  if (!parsed.success)
    throw new Undeliverable("a lead.card.post message that does not fit the outbox contract");
  return parsed.data;
}

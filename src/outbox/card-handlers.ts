// Lead cards: built when delivered, from the lead as it is then, so a queued card never shows
// a stale state. Posted to the team channel (claim mode) or to the offered rep by DM, and
// updated in place after every change.

import type { Deps } from "#src/context.ts";
import type { OutboxHandler } from "#src/outbox/outbox-worker.ts";
import { classifySlackErrors, type SlackSender } from "#src/outbox/slack-handlers.ts";
import { describeOpportunity } from "#src/services/convert-lead.ts";
import { buildActivityReply } from "#src/slack/blocks/activity-reply.ts";
import {
  buildLeadCard,
  type LeadCardView,
  parseScoreBreakdown,
  parseTrigger,
} from "#src/slack/blocks/lead-card.ts";
import { buildDeterministicBrief } from "#src/slack/blocks/lead-summary.ts";

const NINETY_DAYS = 90 * 86_400_000;

export function cardHandlers(deps: Deps, sender: SlackSender): Record<string, OutboxHandler> {
  const card = async (leadId: string) => {
    const now = deps.clock.now();
    const view = await loadCardView(deps, leadId, now);
    const team = deps.playbook.current.teams.find((t) => t.key === view.teamKey);
    return buildLeadCard(view.card, {
      now,
      timeZone: team?.timezone ?? deps.playbook.current.timezone,
      brief: buildDeterministicBrief(view.card, now),
    });
  };
  return {
    "lead.card.post": (message) =>
      classifySlackErrors(async () => {
        const { leadId, channel } = message.payload as { leadId: string; channel: string };
        return sender.post(channel, { ...(await card(leadId)), record: { leadId, kind: "card" } });
      }),
    "lead.card.dm": (message) =>
      classifySlackErrors(async () => {
        const { leadId, user } = message.payload as { leadId: string; user: string };
        return sender.dm(user, { ...(await card(leadId)), record: { leadId, kind: "card" } });
      }),
    "lead.activity": (message) =>
      classifySlackErrors(async () => {
        const { leadId, activities } = message.payload as { leadId: string; activities: number };
        const lead = await deps.db.prisma.lead.findUniqueOrThrow({
          where: { id: leadId },
          include: {
            owner: { select: { slackUserId: true } },
            activities: {
              orderBy: { createdAt: "desc" },
              take: Math.max(1, Math.min(activities, 50)),
            },
          },
        });
        const reply = buildActivityReply(lead.activities, {
          now: deps.clock.now(),
          ownerSlackId: lead.owner?.slackUserId,
          timeZone: deps.playbook.current.timezone,
        });
        const card = await deps.db.prisma.slackMessage.findFirst({
          where: { leadId, kind: "card" },
          orderBy: { createdAt: "desc" },
          select: { channelId: true },
        });
        if (!card) return { skipped: "no card to reply under" };
        return sender.post(card.channelId, { ...reply, threadOf: { leadId, kind: "card" } });
      }),
    "lead.card.update": (message) =>
      classifySlackErrors(async () => {
        const { leadId } = message.payload as { leadId: string };
        return sender.update({ leadId, kind: "card", ...(await card(leadId)) });
      }),
  };
}

async function loadCardView(
  deps: Deps,
  leadId: string,
  now: Date,
): Promise<{ card: LeadCardView; teamKey?: string }> {
  const lead = await deps.db.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: {
      owner: { select: { slackUserId: true } },
      offeredTo: { select: { slackUserId: true } },
      team: { select: { key: true, mode: true } },
      activities: {
        where: { occurredAt: { gte: new Date(now.getTime() - NINETY_DAYS) } },
        orderBy: { occurredAt: "desc" },
        take: 500,
      },
    },
  });
  return {
    teamKey: lead.team?.key,
    card: {
      ...lead,
      scoreBreakdown: parseScoreBreakdown(lead.scoreBreakdown),
      trigger: parseTrigger(lead.trigger),
      teamMode: lead.team?.mode === "ASSIGN" ? "assign" : "claim",
      ownerSlackId: lead.owner?.slackUserId,
      offeredToSlackId: lead.offeredTo?.slackUserId,
      opportunity: describeOpportunity({
        amount: lead.opportunityAmount?.toString(),
        opportunityId: lead.opportunityId ?? undefined,
      }),
      activities: lead.activities,
    },
  };
}

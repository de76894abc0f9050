// Outbox handlers for lead work that follows a commit: routing a qualified lead, and the
// marketing feed line for each disposition (built when delivered, from the lead as it is).
import type { Deps } from "#src/context.ts";
import type { OutboxHandler } from "#src/outbox/outbox-worker.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { enqueue } from "#src/services/lead-journal.ts";
import { buildFeedMessage, type FeedEvent } from "#src/slack/blocks/disposition-feed.ts";

export function leadHandlers(deps: Deps): Record<string, OutboxHandler> {
  return {
    "lead.handoff": async (message) => {
      const { leadId } = message.payload as { leadId: string };
      const result = await handOffLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        leadId,
        now: deps.clock.now(),
      });
      deps.logger.info({ leadId, ...result }, "lead handed off");
      return result;
    },
    "lead.feed": async (message) => {
      const { leadId, event } = message.payload as { leadId: string; event: FeedEvent };
      const lead = await deps.db.prisma.lead.findUniqueOrThrow({
        where: { id: leadId },
        include: {
          owner: { select: { slackUserId: true } },
          events: { where: { type: event }, orderBy: { id: "desc" }, take: 1 },
        },
      });
      const last = lead.events[0];
      const channel = deps.playbook.current.marketing.channel;
      const feed = buildFeedMessage(event, {
        number: lead.number,
        name: [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null,
        email: lead.email,
        company: lead.company,
        source: lead.source,
        campaign: lead.campaign,
        actorSlackId:
          last?.actorType === "REP" ||
          last?.actorType === "MANAGER" ||
          last?.actorType === "MARKETER"
            ? (last.actorId ?? undefined)
            : undefined,
        reason: last?.reason,
        note: (last?.data as { note?: string } | undefined)?.note,
      });
      await deps.db.prisma.$transaction((tx) =>
        enqueue(tx, {
          now: deps.clock.now(),
          kind: "slack.post",
          payload: JSON.parse(JSON.stringify({ channel, ...feed })),
          target: channel,
        }),
      );
      return { channel };
    },
  };
}

// Outbox handlers for lead work that follows a commit: routing a qualified lead, and telling
// people what happened (the marketing feed, DMs, the lead's thread), rendered when delivered
// from the fact and the lead as it is then.
import type { Deps } from "#src/context.ts";
import { type Handlers, parsePayload } from "#src/outbox/messages.ts";
import type { OutboxRow } from "#src/outbox/outbox-store.ts";
import type { GroupDelivery } from "#src/outbox/outbox-worker.ts";
import { classifySlackErrors, type SlackSender } from "#src/outbox/slack-handlers.ts";
import { loadFeedLead } from "#src/read-models/feed-lead.ts";
import { labelAtFact, loadLeadLabel } from "#src/read-models/lead-label.ts";
import { ownerMatcherFor } from "#src/services/crm-owner-match.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import {
  FEED_LINES_PER_MESSAGE,
  feedMessage,
  joinFeedMessages,
} from "#src/slack/blocks/disposition-feed.ts";
import { renderNotice, renderPeopleNotice } from "#src/slack/blocks/lead-notices.ts";

export function leadHandlers(deps: Deps, sender: SlackSender): Handlers {
  return {
    "lead.handoff": async ({ leadId }) => {
      const playbook = deps.playbook.current;
      const result = await handOffLead({
        db: deps.db,
        playbook,
        webhooks: deps.config.webhooks,
        leadId,
        now: deps.clock.now(),
        crmOwner: await crmOwnerOf(deps, leadId),
      });
      deps.logger.info({ leadId, ...result }, "lead handed off");
      return result;
    },
    "lead.feed": (_payload, row) => postFeedLines(deps, sender, [row]),
    "lead.notice": ({ fact, to }) =>
      classifySlackErrors(async () => {
        const label = await loadLeadLabel(deps.db, fact.leadId);
        const lead = label && labelAtFact(label, fact, deps.playbook.current.teams);
        const notice = lead && renderNotice(fact, lead, to);
        if (!lead || !notice) return { skipped: "nothing to say" };
        const record = notice.record ? { leadId: lead.id, kind: notice.record } : undefined;
        if ("user" in to) return sender.dm(to.user, { ...notice, record });
        if (!lead.channelId) return { skipped: "the lead has no channel" };
        return sender.post(lead.channelId, {
          ...notice,
          record,
          threadOf: { leadId: lead.id, kind: "card" },
          broadcast: to.thread.broadcast,
        });
      }),
    "people.notice": ({ fact, user }) =>
      classifySlackErrors(async () => {
        const teams = deps.playbook.current.teams.filter(
          (team) => team.managers.includes(user) && fact.moved.some((m) => m.teamKey === team.key),
        );
        let sent: unknown = { skipped: "no team of theirs" };
        for (const team of teams) sent = await sender.dm(user, renderPeopleNotice(fact, team));
        return sent;
      }),
  };
}

/**
 * The marketing feed, coalesced: every feed line due for the channel goes out in one message
 * (up to FEED_LINES_PER_MESSAGE lines; more make several), one message at a time per worker,
 * so lines that come due while one is on its way join the next instead of each waiting for
 * Slack's one-message-a-second pace (#13, docs/decisions/012). A lone line looks as it always
 * did. The lines are leased together and marked done together after Slack's answer.
 */
export function feedLines(deps: Deps, sender: SlackSender): GroupDelivery {
  return {
    kind: "lead.feed",
    threshold: () => 1,
    coalesce: true,
    max: FEED_LINES_PER_MESSAGE * 5,
    partSize: FEED_LINES_PER_MESSAGE,
    deliver: (part) => postFeedLines(deps, sender, part),
  };
}

async function postFeedLines(deps: Deps, sender: SlackSender, rows: OutboxRow[]) {
  return classifySlackErrors(async () => {
    const lines = [];
    for (const row of rows) {
      const parsed = parsePayload("lead.feed", row.payload);
      // Enqueueing checks payloads; one that does not fit anyway is logged and left out.
      if (!parsed.success) {
        deps.logger.error({ outboxId: String(row.id) }, "outbox: a feed line that does not fit");
        continue;
      }
      const { fact } = parsed.data;
      const lead = await loadFeedLead(deps.db, fact.leadId);
      const message = lead && feedMessage(fact, lead);
      if (message) lines.push(message);
    }
    if (lines.length === 0) return { skipped: "nothing marketing follows" };
    const sent = await sender.post(
      deps.playbook.current.marketing.channel,
      joinFeedMessages(lines),
    );
    return { ...sent, lines: lines.length };
  });
}

/** Owner matching before routing: the lead's owner in the CRM, when the playbook asks for it. */
async function crmOwnerOf(deps: Deps, leadId: string) {
  const matcher = ownerMatcherFor(deps.crm, deps.playbook.current.crm);
  if (!matcher) return undefined;
  const lead = await deps.db.prisma.lead.findUnique({
    where: { id: leadId },
    select: { id: true, email: true, companyDomain: true, status: true },
  });
  // Only a lead about to be routed: a retried hand-off of a lead already offered asks nothing.
  if (lead?.status !== "QUALIFIED") return undefined;
  return matcher.match(deps.db, lead);
}

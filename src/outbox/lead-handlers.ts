// Outbox handlers for lead work that follows a commit: routing a qualified lead, and telling
// people what happened (the marketing feed, DMs, the lead's thread), rendered when delivered
// from the fact and the lead as it is then.
import type { Deps } from "#src/context.ts";
import type { Handlers } from "#src/outbox/messages.ts";
import { classifySlackErrors, type SlackSender } from "#src/outbox/slack-handlers.ts";
import { loadFeedLead } from "#src/read-models/feed-lead.ts";
import { labelAtFact, loadLeadLabel } from "#src/read-models/lead-label.ts";
import { ownerMatcherFor } from "#src/services/crm-owner-match.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { feedMessage } from "#src/slack/blocks/disposition-feed.ts";
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
    "lead.feed": ({ fact }) =>
      classifySlackErrors(async () => {
        const lead = await loadFeedLead(deps.db, fact.leadId);
        if (!lead) return { skipped: "no such lead" };
        const message = feedMessage(fact, lead);
        if (!message) return { skipped: `marketing does not follow ${fact.type}` };
        return sender.post(deps.playbook.current.marketing.channel, message);
      }),
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

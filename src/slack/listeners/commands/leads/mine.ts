// `/leads mine`: my open leads (offered to me, claimed, working), stale first, with the buttons
// to act on each; only I see it.
import { loadReviewLeads } from "#src/read-models/review-leads.ts";
import { groupForReview, paginateReview, renderReviewPage } from "#src/slack/blocks/review.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";

export const mineSubcommand: Subcommand = {
  name: "mine",
  usage: "mine",
  description: "your open leads, stale first, with their buttons (only you see it)",
  examples: ["/leads mine"],
  async handle({ command, reply, deps }) {
    const leads = await loadReviewLeads(deps.db, { kind: "rep", slackUserId: command.user_id });
    if (leads.length === 0) {
      await reply({
        text: ":sparkles: You have no open leads. New ones reach you in your team's channel or by DM.",
      });
      return;
    }
    const layouts = paginateReview(groupForReview(leads));
    for (const [i, layout] of layouts.entries()) {
      const page = renderReviewPage(
        "Your open leads",
        leads.length,
        layout,
        i + 1,
        layouts.length,
        deps.clock.now(),
      );
      await reply(page);
    }
  },
};

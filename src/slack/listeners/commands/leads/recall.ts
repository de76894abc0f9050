// `/leads recall <L-1042|email> nurture|reoffer [note]`: a marketer takes a neglected lead back.
import { AppError } from "#src/errors.ts";
import { recallLead } from "#src/services/recall-lead.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { slackWords } from "#src/slack/text.ts";

const USAGE =
  "Try `/leads recall L-1042 nurture Not contacted in two weeks` or `/leads recall ana@acme.example reoffer`.";

export const recallSubcommand: Subcommand = {
  name: "recall",
  usage: "recall <L-1042|email> nurture|reoffer [note]",
  description: "take a neglected lead back to nurture or offer it again (marketers)",
  examples: ["/leads recall L-1042 nurture Untouched for 3 weeks", "/leads recall L-1042 reoffer"],
  async handle({ command, args, reply, deps }) {
    const [ref, action, ...note] = args;
    const verb = action?.toLowerCase();
    if (!ref || (verb !== "nurture" && verb !== "reoffer")) {
      throw new AppError("bad_request", `Say which lead and what to do with it. ${USAGE}`);
    }
    const result = await recallLead({
      db: deps.db,
      playbook: deps.playbook.current,
      webhooks: deps.config.webhooks,
      words: slackWords,
      leadRef: ref,
      userId: command.user_id,
      action: verb,
      note: note.join(" "),
      now: deps.clock.now(),
    });
    await reply({
      text: `:rewind: L-${result.number} is ${verb === "nurture" ? "back in nurture" : "offered again"}${result.owner ? `; <@${result.owner}> has been told` : ""}.`,
    });
  },
};

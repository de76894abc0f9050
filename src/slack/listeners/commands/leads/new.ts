// `/leads new`: the "Send to sales" form, empty, for a lead met at a dinner or on a call.
import { buildNewLeadModal } from "#src/slack/blocks/new-lead-modal.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";

export const newSubcommand: Subcommand = {
  name: "new",
  aliases: ["add"],
  usage: "new",
  description: "hand a lead you met to sales (a form)",
  examples: ["/leads new"],
  async handle({ command, client }) {
    await client.views.open({
      trigger_id: command.trigger_id,
      view: buildNewLeadModal({}, { channelId: command.channel_id }),
    });
  },
};

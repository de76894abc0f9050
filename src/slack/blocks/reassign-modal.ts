// The Reassign modal (managers): pick the rep who should own the lead now.
import type { ModalView } from "@slack/types";
import { VIEWS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

export const REASSIGN_FIELDS = { repBlock: "rep", repAction: "rep_select" } as const;

export function buildReassignModal(
  lead: { number: number; name: string; ownerSlackId: string | null },
  metadata: { leadId: string; channelId?: string },
): ModalView {
  const now = lead.ownerSlackId ? ` It is <@${lead.ownerSlackId}>'s now.` : " Nobody owns it yet.";
  return {
    type: "modal",
    callback_id: VIEWS.reassign,
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: "Reassign lead" },
    submit: { type: "plain_text", text: "Reassign" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `L-${lead.number} *${safeText(lead.name, 100)}*.${now}` },
      },
      {
        type: "input",
        block_id: REASSIGN_FIELDS.repBlock,
        label: { type: "plain_text", text: "New owner" },
        element: {
          type: "users_select",
          action_id: REASSIGN_FIELDS.repAction,
          placeholder: { type: "plain_text", text: "Pick a rep" },
        },
      },
    ],
  };
}

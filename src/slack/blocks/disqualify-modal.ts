// The Disqualify modal: a reason from the playbook's list (required) and an optional note.
import type { ModalView } from "@slack/types";
import { VIEWS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

export const DISQUALIFY_FIELDS = {
  reasonBlock: "reason",
  reasonAction: "reason_select",
  noteBlock: "note",
  noteAction: "note_input",
} as const;

export interface DisqualifyMetadata {
  leadId: string;
  channelId?: string;
}

export function buildDisqualifyModal(
  lead: { number: number; name: string },
  reasons: { key: string; label: string }[],
  metadata: DisqualifyMetadata,
): ModalView {
  return {
    type: "modal",
    callback_id: VIEWS.disqualify,
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: "Disqualify lead" },
    submit: { type: "plain_text", text: "Disqualify" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "section",
        text: {
          type: "plain_text",
          text: safeText(
            `L-${lead.number} ${lead.name}: marketing sees the reason you pick.`,
            3000,
          ),
          emoji: false,
        },
      },
      {
        type: "input",
        block_id: DISQUALIFY_FIELDS.reasonBlock,
        label: { type: "plain_text", text: "Reason" },
        element: {
          type: "static_select",
          action_id: DISQUALIFY_FIELDS.reasonAction,
          placeholder: { type: "plain_text", text: "Why is this lead not a fit?" },
          options: reasons.slice(0, 100).map((r) => ({
            text: { type: "plain_text", text: safeText(r.label, 75), emoji: false },
            value: r.key,
          })),
        },
      },
      {
        type: "input",
        block_id: DISQUALIFY_FIELDS.noteBlock,
        optional: true,
        label: { type: "plain_text", text: "Note" },
        element: {
          type: "plain_text_input",
          action_id: DISQUALIFY_FIELDS.noteAction,
          multiline: true,
          max_length: 1000,
          placeholder: {
            type: "plain_text",
            text: "What did you learn? It helps marketing target better.",
          },
        },
      },
    ],
  };
}

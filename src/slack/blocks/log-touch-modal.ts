// The Log touch modal: how the rep reached the lead (required) and a note.
import type { ModalView } from "@slack/types";
import { TOUCH_KINDS } from "#src/domain/touch.ts";
import { VIEWS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

export const TOUCH_FIELDS = {
  kindBlock: "kind",
  kindAction: "kind_select",
  noteBlock: "note",
  noteAction: "note_input",
} as const;

export function buildLogTouchModal(
  lead: { number: number; name: string; touchCount: number },
  metadata: { leadId: string; channelId?: string },
): ModalView {
  const so = lead.touchCount === 0 ? "First touch" : `Touch ${lead.touchCount + 1}`;
  return {
    type: "modal",
    callback_id: VIEWS.logTouch,
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: "Log touch" },
    submit: { type: "plain_text", text: "Log it" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "section",
        text: {
          type: "plain_text",
          text: safeText(
            `${so} with L-${lead.number} ${lead.name}. Most deals take 5 to 12 touches.`,
            3000,
          ),
          emoji: false,
        },
      },
      {
        type: "input",
        block_id: TOUCH_FIELDS.kindBlock,
        label: { type: "plain_text", text: "How" },
        element: {
          type: "static_select",
          action_id: TOUCH_FIELDS.kindAction,
          placeholder: { type: "plain_text", text: "Call, email, meeting…" },
          options: Object.entries(TOUCH_KINDS).map(([value, label]) => ({
            text: { type: "plain_text", text: label },
            value,
          })),
        },
      },
      {
        type: "input",
        block_id: TOUCH_FIELDS.noteBlock,
        optional: true,
        label: { type: "plain_text", text: "Note" },
        element: {
          type: "plain_text_input",
          action_id: TOUCH_FIELDS.noteAction,
          multiline: true,
          max_length: 1000,
          placeholder: { type: "plain_text", text: "What happened, what is next" },
        },
      },
    ],
  };
}

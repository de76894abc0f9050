// The Disqualify and Back-to-nurture modals: a reason from the playbook's list (required), an
// optional note, and for nurture an optional date when the lead comes back.
import type { KnownBlock, ModalView } from "@slack/types";
import type { Disposition } from "#src/domain/lifecycle.ts";
import { VIEWS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

export const DISPOSITION_FIELDS = {
  reasonBlock: "reason",
  reasonAction: "reason_select",
  noteBlock: "note",
  noteAction: "note_input",
  resurfaceBlock: "resurface",
  resurfaceAction: "resurface_date",
  confirmBlock: "confirm",
  confirmAction: "confirm_few_touches",
} as const;

export interface DispositionMetadata {
  leadId: string;
  channelId?: string;
}

const TEXT: Record<
  Disposition,
  { title: string; submit: string; intro: string; placeholder: string; note: string }
> = {
  disqualify: {
    title: "Disqualify lead",
    submit: "Disqualify",
    intro: "marketing sees the reason you pick.",
    placeholder: "Why is this lead not a fit?",
    note: "What did you learn? It helps marketing target better.",
  },
  nurture: {
    title: "Back to nurture",
    submit: "Send to nurture",
    intro: "marketing keeps in touch and hands the lead back when it is ready.",
    placeholder: "Why is it not ready for sales?",
    note: "What would make it ready? Timing, budget, who to talk to…",
  },
};

export function viewIdFor(disposition: Disposition): string {
  return disposition === "disqualify" ? VIEWS.disqualify : VIEWS.nurture;
}

export function buildDispositionModal(
  disposition: Disposition,
  lead: { number: number; name: string },
  reasons: { key: string; label: string }[],
  metadata: DispositionMetadata,
): ModalView {
  const text = TEXT[disposition];
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: {
        type: "plain_text",
        text: safeText(`L-${lead.number} ${lead.name}: ${text.intro}`, 3000),
        emoji: false,
      },
    },
    {
      type: "input",
      block_id: DISPOSITION_FIELDS.reasonBlock,
      label: { type: "plain_text", text: "Reason" },
      element: {
        type: "static_select",
        action_id: DISPOSITION_FIELDS.reasonAction,
        placeholder: { type: "plain_text", text: text.placeholder },
        options: reasons.slice(0, 100).map((r) => ({
          text: { type: "plain_text", text: safeText(r.label, 75), emoji: false },
          value: r.key,
        })),
      },
    },
  ];
  if (disposition === "nurture") {
    blocks.push({
      type: "input",
      block_id: DISPOSITION_FIELDS.resurfaceBlock,
      optional: true,
      label: { type: "plain_text", text: "Bring it back to sales on" },
      hint: { type: "plain_text", text: "Leave empty to let its score decide." },
      element: { type: "datepicker", action_id: DISPOSITION_FIELDS.resurfaceAction },
    });
  }
  blocks.push({
    type: "input",
    block_id: DISPOSITION_FIELDS.noteBlock,
    optional: true,
    label: { type: "plain_text", text: "Note" },
    element: {
      type: "plain_text_input",
      action_id: DISPOSITION_FIELDS.noteAction,
      multiline: true,
      max_length: 1000,
      placeholder: { type: "plain_text", text: text.note },
    },
  });
  if (disposition === "disqualify") {
    // Read only for "no response" with fewer touches than the playbook asks for.
    blocks.push({
      type: "input",
      block_id: DISPOSITION_FIELDS.confirmBlock,
      optional: true,
      label: { type: "plain_text", text: "No response?" },
      element: {
        type: "checkboxes",
        action_id: DISPOSITION_FIELDS.confirmAction,
        options: [
          {
            text: { type: "plain_text", text: "I tried enough: disqualify even with few touches" },
            value: "yes",
          },
        ],
      },
    });
  }
  return {
    type: "modal",
    callback_id: viewIdFor(disposition),
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: text.title },
    submit: { type: "plain_text", text: text.submit },
    close: { type: "plain_text", text: "Cancel" },
    blocks,
  };
}

// The Converted modal (optional amount, CRM opportunity id and note) and the Release modal
// (a reason is required: the next rep and the manager read it).
import type { ModalView } from "@slack/types";
import { VIEWS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

export interface OutcomeMetadata {
  leadId: string;
  channelId?: string;
}

export const CONVERTED_FIELDS = {
  amountBlock: "amount",
  amountAction: "amount_input",
  opportunityBlock: "opportunity",
  opportunityAction: "opportunity_input",
  noteBlock: "note",
  noteAction: "note_input",
} as const;

export const RELEASE_FIELDS = {
  reasonBlock: "reason",
  reasonAction: "reason_input",
} as const;

interface LeadLabel {
  number: number;
  name: string;
}

export function buildConvertedModal(lead: LeadLabel, metadata: OutcomeMetadata): ModalView {
  const F = CONVERTED_FIELDS;
  return {
    type: "modal",
    callback_id: VIEWS.converted,
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: "Converted" },
    submit: { type: "plain_text", text: "Mark converted" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      intro(
        `L-${lead.number} ${lead.name} became an opportunity. Marketing sees which source and campaign paid off.`,
      ),
      textInput(F.amountBlock, F.amountAction, "Amount", "12500.00", 20, true),
      textInput(
        F.opportunityBlock,
        F.opportunityAction,
        "CRM opportunity id",
        "006Qx00000AbCdE",
        100,
        true,
      ),
      textInput(
        F.noteBlock,
        F.noteAction,
        "Note",
        "What they are buying, next step",
        1000,
        true,
        true,
      ),
    ],
  };
}

export function buildReleaseModal(lead: LeadLabel, metadata: OutcomeMetadata): ModalView {
  return {
    type: "modal",
    callback_id: VIEWS.release,
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: "Release lead" },
    submit: { type: "plain_text", text: "Release" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      intro(`L-${lead.number} ${lead.name} goes back to the team for someone else to work.`),
      textInput(
        RELEASE_FIELDS.reasonBlock,
        RELEASE_FIELDS.reasonAction,
        "Why",
        "Wrong territory, conflict of interest, out of office…",
        500,
        false,
        true,
      ),
    ],
  };
}

/** Parses "12,500.00" or "12500" into a decimal string; undefined when it is not an amount. */
export function parseAmount(text: string): string | undefined {
  const cleaned = text
    .trim()
    .replace(/[\s,]/g, "")
    .replace(/^[$€£]/, "");
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(cleaned)) return undefined;
  return cleaned;
}

function intro(text: string) {
  return {
    type: "section" as const,
    text: { type: "mrkdwn" as const, text: safeText(text, 3000) },
  };
}

function textInput(
  blockId: string,
  actionId: string,
  label: string,
  placeholder: string,
  maxLength: number,
  optional: boolean,
  multiline = false,
) {
  return {
    type: "input" as const,
    block_id: blockId,
    optional,
    label: { type: "plain_text" as const, text: label },
    element: {
      type: "plain_text_input" as const,
      action_id: actionId,
      max_length: maxLength,
      multiline,
      placeholder: { type: "plain_text" as const, text: placeholder },
    },
  };
}

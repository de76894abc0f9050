// The "Send to sales" form: opened by the message shortcut (prefilled from the message) and by
// `/leads new` (empty). The email is required; the rest helps routing (country, size) and the
// rep (name, company, title, why).
import type { KnownBlock, ModalView, PlainTextInput } from "@slack/types";
import { VIEWS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

/** block_id = action_id for each input: the submission reads values[id][id]. */
export const NEW_LEAD_FIELDS = {
  email: "lead_email",
  name: "lead_name",
  company: "lead_company",
  title: "lead_title",
  country: "lead_country",
  size: "lead_size",
  note: "lead_note",
} as const;

export interface NewLeadPrefill {
  email?: string;
  name?: string;
  company?: string;
  note?: string;
}

/** Where the form came from: the message (for its permalink) and the channel to answer in. */
export interface NewLeadMetadata {
  channelId?: string;
  messageTs?: string;
  /** The message's first words, for the lead's timeline (private_metadata holds 3000). */
  excerpt?: string;
}

export function buildNewLeadModal(prefill: NewLeadPrefill, metadata: NewLeadMetadata): ModalView {
  const fromMessage = metadata.messageTs !== undefined;
  const intro = fromMessage
    ? "Baton found these in the message; check them. The message is linked on the lead's card."
    : "A lead you met at a dinner, on a call, anywhere: Baton hands it to the right team.";
  const F = NEW_LEAD_FIELDS;
  const blocks: KnownBlock[] = [
    { type: "section", text: { type: "plain_text", text: intro, emoji: false } },
    input(F.email, "Email", { initial: prefill.email, max: 254, placeholder: "ana@acme.com" }),
    input(F.name, "Name", { initial: prefill.name, max: 200, optional: true }),
    input(F.company, "Company", { initial: prefill.company, max: 200, optional: true }),
    input(F.title, "Job title", { max: 200, optional: true }),
    input(F.country, "Country", { max: 100, optional: true, placeholder: "US, Germany…" }),
    input(F.size, "Company size (employees)", { max: 12, optional: true, placeholder: "250" }),
    input(F.note, "Why sales should call", {
      initial: prefill.note,
      max: 2000,
      optional: true,
      multiline: true,
    }),
  ];
  return {
    type: "modal",
    callback_id: VIEWS.newLead,
    private_metadata: JSON.stringify(metadata),
    title: { type: "plain_text", text: "Send to sales" },
    submit: { type: "plain_text", text: "Send" },
    close: { type: "plain_text", text: "Cancel" },
    blocks,
  };
}

function input(
  id: string,
  label: string,
  options: {
    initial?: string;
    max: number;
    optional?: boolean;
    placeholder?: string;
    multiline?: boolean;
  },
): KnownBlock {
  const element: PlainTextInput = {
    type: "plain_text_input",
    action_id: id,
    max_length: options.max,
    ...(options.multiline ? { multiline: true } : {}),
    // Plain text: Slack shows it as typed; cut to the input's own limit.
    ...(options.initial ? { initial_value: options.initial.slice(0, options.max) } : {}),
    ...(options.placeholder
      ? { placeholder: { type: "plain_text", text: safeText(options.placeholder, 150) } }
      : {}),
  };
  return {
    type: "input",
    block_id: id,
    optional: options.optional ?? false,
    label: { type: "plain_text", text: label },
    element,
  };
}

/** What the person who sent the lead reads afterwards. */
export function buildReferralReply(lead: {
  number: number;
  name: string;
  qualified: boolean;
  created: boolean;
}): { text: string } {
  const who = `L-${lead.number} ${safeText(lead.name, 200)}`;
  if (lead.qualified) {
    return {
      text: `:handshake: ${who} is with sales now: Baton hands it to the right team, with your note and where it came from.`,
    };
  }
  return {
    text: lead.created
      ? `:inbox_tray: ${who} is saved, but your playbook does not hand referrals to sales at once; it stays in nurture until it scores high enough.`
      : `:inbox_tray: ${who} was already known; your note is on its timeline and its owner hears of it.`,
  };
}

// A burst summary: when many qualified leads are due for one channel at once (a trade-show
// import, a webinar's attendee list), the channel gets one message listing them with Claim
// buttons instead of one card each. A rep sees the whole batch at a glance, claims from the
// list, and gets the full card in the summary's thread when they do. The message is redrawn in
// place as leads are claimed or closed, so it always shows who has what.
import type { ActionsBlock, Button, KnownBlock } from "@slack/types";
import { humanize } from "#src/domain/scoring.ts";
import type { BurstLead } from "#src/read-models/burst-leads.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { safeMrkdwn, safeText } from "#src/slack/text.ts";

/** Leads per message: each takes two blocks, under Slack's 50 with the header and footers. */
export const BURST_PAGE_SIZE = 23;

export interface BurstPage {
  /** The team the channel belongs to. */
  teamName: string;
  /** Leads in the whole burst (all pages). */
  total: number;
  page: number;
  pages: number;
  leads: BurstLead[];
}

export function renderBurstPage(view: BurstPage): { text: string; blocks: KnownBlock[] } {
  const open = view.leads.filter((l) => l.status === "OFFERED" || l.status === "QUALIFIED");
  const heading = `${view.total} new leads for ${view.teamName}`;
  const sources = topSources(view.leads);
  const summary = [
    sources ? `From ${sources}` : undefined,
    view.pages > 1 ? `part ${view.page} of ${view.pages}` : undefined,
    `${open.length} of ${view.leads.length} here waiting for a claim`,
  ]
    .filter(Boolean)
    .join(" · ");
  return {
    text: `${heading}: ${open.length} waiting for a claim${view.pages > 1 ? ` (part ${view.page} of ${view.pages})` : ""}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: safeText(heading, 150), emoji: true } },
      { type: "context", elements: [{ type: "mrkdwn", text: summary }] },
      ...view.leads.flatMap((lead) => leadBlocks(lead)),
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: "They arrived together, so they are listed here instead of one card each. Claim from the list: the full card follows in this thread. `/leads find L-…` shows any of them.",
          },
        ],
      },
    ],
  };
}

function leadBlocks(lead: BurstLead): KnownBlock[] {
  const who = [
    `L-${lead.number} *${safeMrkdwn(lead.name, 80)}*`,
    lead.title ? safeMrkdwn(lead.title, 60) : undefined,
    lead.company
      ? `${safeMrkdwn(lead.company, 60)}${lead.companySize ? ` (${lead.companySize} people)` : ""}`
      : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  const open = lead.status === "OFFERED" || lead.status === "QUALIFIED";
  if (!open) {
    return [
      { type: "section", text: { type: "mrkdwn", text: `~${who}~` } },
      { type: "context", elements: [{ type: "mrkdwn", text: outcome(lead) }] },
    ];
  }
  const origin = [lead.source, lead.campaign]
    .filter(Boolean)
    .map((s) => safeMrkdwn(s, 60))
    .join(" / ");
  return [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `${who}\n${why(lead)} · score ${lead.score}${origin ? ` · ${origin}` : ""}`,
      },
    },
    actions(lead),
  ];
}

function why(lead: BurstLead): string {
  const trigger = lead.trigger;
  if (trigger?.kind === "hand_raise") return `:raised_hand: ${humanize(trigger.activityType)}`;
  if (trigger?.kind === "score")
    return `:chart_with_upwards_trend: score crossed ${trigger.threshold}`;
  return ":white_check_mark: qualified";
}

function outcome(lead: BurstLead): string {
  const owner = lead.ownerSlackId ? `<@${lead.ownerSlackId}>` : "someone";
  switch (lead.status) {
    case "CLAIMED":
    case "WORKING":
      return `:white_check_mark: claimed by ${owner}: the card is in this thread`;
    case "CONVERTED":
      return ":trophy: converted";
    case "DISQUALIFIED":
      return ":no_entry_sign: disqualified";
    case "NURTURE":
      return ":seedling: back in nurture";
    default:
      return lead.status.toLowerCase();
  }
}

function actions(lead: BurstLead): ActionsBlock {
  const b = (text: string, actionId: string, style?: "primary"): Button => ({
    type: "button",
    text: { type: "plain_text", text },
    action_id: actionId,
    value: lead.id,
    ...(style ? { style } : {}),
  });
  return {
    type: "actions",
    block_id: `burst:${lead.id}`,
    elements: [
      b("Claim", ACTIONS.claim, "primary"),
      b("Show card", ACTIONS.showCard),
      b("Disqualify", ACTIONS.disqualify),
      b("Back to nurture", ACTIONS.nurture),
    ],
  };
}

/** "Trade show CCW (18), Webinar (3)": where the burst came from, most first. */
function topSources(leads: BurstLead[]): string {
  const counts = new Map<string, number>();
  for (const lead of leads) {
    if (lead.source) counts.set(lead.source, (counts.get(lead.source) ?? 0) + 1);
  }
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const shown = sorted
    .slice(0, 3)
    .map(([source, n]) => `${safeMrkdwn(source, 60)} (${n})`)
    .join(", ");
  return sorted.length > 3 ? `${shown} and ${sorted.length - 3} more` : shown;
}

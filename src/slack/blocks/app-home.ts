// The App Home tab: my queue (offered to me, owned, follow-ups due) with actions, my team's
// unclaimed leads, my numbers this week, and whether I am away. Under Slack's 100 blocks.
import type { KnownBlock } from "@slack/types";
import type { HomeView } from "#src/read-models/app-home.ts";
import type { ReviewLead } from "#src/read-models/review-leads.ts";
import { leadBlocks, slaState } from "#src/slack/blocks/review.ts";
import { COMMAND } from "#src/slack/ids.ts";
import { safeMrkdwn } from "#src/slack/text.ts";

const PER_SECTION = 10;

export function buildAppHome(view: HomeView, now: Date): { type: "home"; blocks: KnownBlock[] } {
  const due = view.owned.filter((l) => slaState(l, now) !== "on track");
  const rest = view.owned.filter((l) => slaState(l, now) === "on track");
  const away = view.away.paused
    ? `:palm_tree: You are away until you run \`${COMMAND} away off\`: no new leads come to you.`
    : view.away.until && view.away.until > now
      ? `:palm_tree: You are away until ${view.away.until.toISOString().slice(0, 10)}: no new leads come to you. \`${COMMAND} away off\` when you are back.`
      : view.away.status
        ? `:palm_tree: Your Slack status (${safeMrkdwn(view.away.status, 100)}) says you are out: no new leads come to you until it clears. Working after all? \`${COMMAND} away off\`.`
        : `:large_green_circle: You are available for new leads. Going on leave? \`${COMMAND} away until YYYY-MM-DD\`.`;
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: "Your leads" } },
    { type: "section", text: { type: "mrkdwn", text: away } },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `This week: ${view.week.claimed} claimed · ${view.week.touches} touches logged · ${view.week.converted} converted`,
        },
      ],
    },
    ...section(":point_right: Offered to you", view.offered, now),
    ...section(":alarm_clock: Follow-ups due", due, now),
    ...section(":raised_hand: Yours", rest, now),
    ...section(":hourglass_flowing_sand: Waiting for a claim in your team", view.unclaimed, now),
  ];
  return { type: "home", blocks: blocks.slice(0, 100) };
}

function section(title: string, leads: ReviewLead[], now: Date): KnownBlock[] {
  if (leads.length === 0) return [];
  const shown = leads.slice(0, PER_SECTION);
  const more =
    leads.length > shown.length
      ? [
          {
            type: "context" as const,
            elements: [
              {
                type: "mrkdwn" as const,
                text: `…and ${leads.length - shown.length} more: \`${COMMAND} mine\` lists them all.`,
              },
            ],
          },
        ]
      : [];
  return [
    { type: "divider" },
    { type: "section", text: { type: "mrkdwn", text: `*${title}* (${leads.length})` } },
    ...shown.flatMap((lead) => leadBlocks(lead, now)),
    ...more,
  ];
}

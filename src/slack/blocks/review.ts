// `/leads review`: every open lead of a team (or a rep), grouped by rep, built to be walked
// through in the weekly meeting: a header per rep with their numbers, stale leads first, each
// lead with its age, status, last touch, touch count, SLA state and the buttons to act on it.
// Paged across messages under Slack's 50-block limit, never truncated.
import type { ActionsBlock, Button, KnownBlock } from "@slack/types";
import { formatDuration } from "#src/domain/duration.ts";
import type { LeadStatus } from "#src/domain/lifecycle.ts";
import type { ReviewLead, ReviewPageLayout } from "#src/read-models/review-leads.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { safeText } from "#src/slack/text.ts";

export type SlaState = "on track" | "due" | "breached";

export interface ReviewGroup {
  /** The rep's Slack id, or "unclaimed". */
  key: string;
  leads: ReviewLead[];
}

const MAX_BLOCKS = 50;
const OPEN: LeadStatus[] = ["QUALIFIED", "OFFERED", "CLAIMED", "WORKING"];

/** On track, due (a reminder went out) or breached (the manager was alerted). */
export function slaState(lead: Pick<ReviewLead, "slaStage" | "slaDueAt">, now: Date): SlaState {
  const stage = lead.slaStage ?? "";
  if (/\.(reassign|release)(\.\d+)?$|^offered\.realert\./.test(stage)) return "breached";
  if (/\.escalate(\.\d+)?$/.test(stage)) return "due";
  if (lead.slaDueAt && lead.slaDueAt <= now) return "due";
  return "on track";
}

/** Groups by owner (or the rep it is offered to); unclaimed last; stale leads first. */
export function groupForReview(leads: ReviewLead[]): ReviewGroup[] {
  const groups = new Map<string, ReviewLead[]>();
  for (const lead of leads) {
    const key = lead.ownerSlackId ?? lead.offeredToSlackId ?? "unclaimed";
    groups.set(key, [...(groups.get(key) ?? []), lead]);
  }
  const staleness = (l: ReviewLead) => (l.lastTouchAt ?? l.since ?? new Date(0)).getTime();
  return [...groups.entries()]
    .map(([key, list]) => ({ key, leads: list.sort((a, b) => staleness(a) - staleness(b)) }))
    .sort((a, b) =>
      a.key === "unclaimed" ? 1 : b.key === "unclaimed" ? -1 : b.leads.length - a.leads.length,
    );
}

/** Splits the groups into pages of at most 50 blocks; a lead's blocks never split. */
export function paginateReview(groups: ReviewGroup[]): ReviewPageLayout[] {
  const pages: ReviewPageLayout[] = [];
  let page: ReviewPageLayout = { groups: [] };
  let used = 0;
  const room = MAX_BLOCKS - 2; // the page's header and footer
  for (const group of groups) {
    let current: ReviewPageLayout["groups"][number] | undefined;
    for (const lead of group.leads) {
      const needed = current ? 2 : 3;
      if (used + needed > room) {
        pages.push(page);
        page = { groups: [] };
        used = 0;
        current = undefined;
      }
      if (!current) {
        const continued = pages.some((p) => p.groups.some((g) => g.key === group.key));
        current = { key: group.key, continued, leads: [] };
        page.groups.push(current);
        used += 1;
      }
      current.leads.push(lead);
      used += 2;
    }
  }
  if (page.groups.length > 0 || pages.length === 0) pages.push(page);
  return pages;
}

export function renderReviewPage(
  title: string,
  total: number,
  layout: ReviewPageLayout,
  page: number,
  pages: number,
  now: Date,
): { text: string; blocks: KnownBlock[] } {
  const heading = `${title} · ${total} open lead${total === 1 ? "" : "s"}`;
  const body: KnownBlock[] =
    total === 0
      ? [
          {
            type: "section",
            text: { type: "mrkdwn", text: ":tada: No open leads: nothing is waiting on anyone." },
          },
        ]
      : layout.groups.flatMap((group) => [
          groupHeader(group, now, group.continued),
          ...group.leads.flatMap((lead) => leadBlocks(lead, now)),
        ]);
  return {
    text: `${heading} (page ${page} of ${pages})`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: safeText(heading, 150), emoji: true } },
      ...body,
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `Page ${page} of ${pages} · stale leads first · the buttons act on the spot; this message updates as leads change.`,
          },
        ],
      },
    ],
  };
}

function groupHeader(group: ReviewGroup, now: Date, continued: boolean): KnownBlock {
  const open = group.leads.filter((l) => OPEN.includes(l.status));
  const untouched = open.filter((l) => l.touchCount === 0 && l.ownerSlackId).length;
  const breached = open.filter((l) => slaState(l, now) === "breached").length;
  const who = group.key === "unclaimed" ? "*Waiting for a claim*" : `*<@${group.key}>*`;
  const numbers = [
    `${open.length} open`,
    untouched ? `${untouched} not contacted` : undefined,
    breached ? `:rotating_light: ${breached} breached` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
  return {
    type: "section",
    text: { type: "mrkdwn", text: `${who}${continued ? " (continued)" : ""} · ${numbers}` },
  };
}

export function leadBlocks(lead: ReviewLead, now: Date): KnownBlock[] {
  const who = `L-${lead.number} *${safeText(lead.name, 80)}*${lead.company ? ` · ${safeText(lead.company, 80)}` : ""}`;
  if (!OPEN.includes(lead.status)) {
    return [
      { type: "section", text: { type: "mrkdwn", text: `~${who}~ · ${closedWords(lead.status)}` } },
      { type: "context", elements: [{ type: "mrkdwn", text: "Updated during the review." }] },
    ];
  }
  const age = lead.since
    ? formatDuration(now.getTime() - lead.since.getTime())
        .split(" ")
        .slice(0, 2)
        .join(" ")
    : "?";
  const touch = lead.lastTouchAt
    ? `last touch ${formatDuration(now.getTime() - lead.lastTouchAt.getTime())
        .split(" ")
        .slice(0, 2)
        .join(" ")} ago`
    : "never contacted";
  const sla = slaState(lead, now);
  const slaText =
    sla === "breached"
      ? ":red_circle: SLA breached"
      : sla === "due"
        ? ":large_yellow_circle: SLA due"
        : ":large_green_circle: on track";
  const status =
    lead.status === "OFFERED"
      ? lead.offeredToSlackId
        ? "offered"
        : "waiting for a claim"
      : lead.status.toLowerCase();
  return [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `${who}\n${status} · ${age} old · ${touch} · ${lead.touchCount} touch${lead.touchCount === 1 ? "" : "es"} · ${slaText}`,
      },
    },
    actions(lead),
  ];
}

function actions(lead: ReviewLead): ActionsBlock {
  const b = (text: string, actionId: string): Button => ({
    type: "button",
    text: { type: "plain_text", text },
    action_id: actionId,
    value: lead.id,
  });
  const owned = lead.status === "CLAIMED" || lead.status === "WORKING";
  // As on the card: an offer to one rep is accepted or passed, a lead in the pool is claimed.
  const take =
    lead.status === "OFFERED" && lead.offeredToSlackId
      ? [b("Accept", ACTIONS.accept), b("Pass", ACTIONS.pass)]
      : [b("Claim", ACTIONS.claim)];
  return {
    type: "actions",
    block_id: `review:${lead.id}`,
    elements: owned
      ? [
          b("Log touch", ACTIONS.logTouch),
          b("Converted", ACTIONS.converted),
          b("Disqualify", ACTIONS.disqualify),
          b("Back to nurture", ACTIONS.nurture),
          b("Reassign", ACTIONS.reassign),
        ]
      : [
          ...take,
          b("Disqualify", ACTIONS.disqualify),
          b("Back to nurture", ACTIONS.nurture),
          b("Reassign", ACTIONS.reassign),
        ],
  };
}

function closedWords(status: LeadStatus): string {
  switch (status) {
    case "CONVERTED":
      return ":trophy: converted";
    case "DISQUALIFIED":
      return ":no_entry_sign: disqualified";
    case "NURTURE":
      return ":seedling: back in nurture";
    default:
      return status.toLowerCase();
  }
}

// The weekly digest as a Slack message: the week's numbers, dispositions with their reasons,
// and conversion by source and campaign. The chart (conversion by source) follows as an image.
import type { KnownBlock } from "@slack/types";
import type { DigestReport } from "#src/read-models/digest-report.ts";
import {
  breakdownTable,
  codeBlock,
  formatDuration,
  formatRate,
} from "#src/slack/blocks/metrics-format.ts";
import { LIMITS, safeText, truncate } from "#src/slack/text.ts";

function day(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone, month: "short", day: "numeric" }).format(
    date,
  );
}

export function buildDigestMessage(report: DigestReport): { text: string; blocks: KnownBlock[] } {
  const s = report.summary;
  const period = `${day(report.from, report.timezone)} – ${day(new Date(report.to.getTime() - 1), report.timezone)}`;
  const title = truncate(`Weekly lead digest: ${report.title}`, LIMITS.header);
  const fields = [
    `*Leads received*\n${s.received}`,
    `*Accepted (claimed)*\n${s.accepted} (${formatRate(s.accepted, s.received)})`,
    `*Time to claim*\nmedian ${formatDuration(s.medianClaimSeconds)} · p90 ${formatDuration(s.p90ClaimSeconds)}`,
    `*SLA breaches*\n${s.slaBreaches}`,
    `*Ghosts caught / reassigned*\n${s.ghostAlerts} / ${s.reassigned}`,
    `*Touches per lead*\n${s.leadsTouched > 0 ? (s.touches / s.leadsTouched).toFixed(1) : "–"} (${s.touches} touches on ${s.leadsTouched} leads)`,
    `*Converted*\n${s.converted} of ${s.received} (${formatRate(s.converted, s.received)})`,
    `*Disqualified / nurture*\n${s.disqualified} / ${s.nurtured}`,
  ];
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: safeText(title, LIMITS.header) } },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `${period} (${safeText(report.timezone, 60)}). Leads received this week and what became of them; time to claim is wall-clock time from hand-off to claim. SLA breaches count every SLA step a lead reached (reminders included); ghosts are manager alerts.`,
        },
      ],
    },
    { type: "section", fields: fields.map((text) => ({ type: "mrkdwn", text })) },
  ];
  const dq = report.dispositions.filter((d) => d.kind === "disqualified");
  const nurture = report.dispositions.filter((d) => d.kind === "nurtured");
  if (dq.length + nurture.length > 0) {
    const list = (items: typeof dq) =>
      items
        .slice(0, 8)
        .map((d) => `${safeText(d.reason, 80)} ${d.count}`)
        .join(" · ") || "none";
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: truncate(
          `*Dispositions this week*\nDisqualified: ${list(dq)}\nBack to nurture: ${list(nurture)}`,
          LIMITS.sectionText,
        ),
      },
    });
  }
  const since = day(report.conversionFrom, report.timezone);
  for (const [by, rows] of [
    ["source", report.bySource],
    ["campaign", report.byCampaign],
  ] as const) {
    if (rows.length === 0) continue;
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: truncate(
          `*Lead-to-opportunity by ${by}* (leads received since ${since})\n${codeBlock(breakdownTable(rows, by, { maxRows: 10 }))}`,
          LIMITS.sectionText,
        ),
      },
    });
  }
  if (s.received === 0 && report.bySource.length === 0) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: "No leads were handed to sales in this period." },
    });
  }
  const text = `Weekly lead digest for ${report.title}: ${s.received} received, ${s.accepted} accepted, median time to claim ${formatDuration(s.medianClaimSeconds)}, ${s.slaBreaches} SLA breaches, ${s.converted} converted.`;
  return { text: safeText(text, 3000), blocks };
}

// Round-robin fairness for `/leads stats <period> by rep`: per assign-mode team, each rep's share
// of the team's leads (from the assignment ledger, credits excluded) against their share of the
// weight, and who is next up. A code block keeps the columns aligned; names are escaped there.
import type { TeamFairness } from "#src/read-models/fairness.ts";
import { codeBlock, formatRate } from "#src/slack/blocks/metrics-format.ts";
import { safeMrkdwn } from "#src/slack/text.ts";

export function fairnessTable(team: TeamFairness): string {
  const leads = team.rows.reduce((sum, r) => sum + r.leads, 0);
  const weight = team.rows.reduce((sum, r) => sum + r.weight, 0);
  const width = Math.max(3, ...team.rows.map((r) => Math.min(r.name.length, 24)));
  const header = ["Rep".padEnd(width), "Weight", " Share", " Leads", "Credited"].join(" ");
  const lines = team.rows.map((r) =>
    [
      r.name.slice(0, 24).padEnd(width),
      formatRate(r.weight, weight).padStart(6),
      formatRate(r.leads, leads).padStart(6),
      String(r.leads).padStart(6),
      String(r.credited).padStart(8),
    ].join(" "),
  );
  return codeBlock([header, ...lines].join("\n"));
}

/** The section for one team: its name, who is next up, then the table. */
export function fairnessSection(
  team: TeamFairness,
  next: { name: string } | null | undefined,
): string {
  const up = next ? `next up: *${safeMrkdwn(next.name, 80)}*` : "nobody can take a lead right now";
  return `*Round robin · ${safeMrkdwn(team.teamName, 80)}* · ${up}\n${fairnessTable(team)}`;
}

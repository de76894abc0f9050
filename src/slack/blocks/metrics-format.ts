// Small formatters shared by the digest and `/leads stats`: durations, rates and a compact
// monospace table (Slack has no table block; a code block keeps columns aligned).
import type { BreakdownRow, Dimension } from "#src/read-models/lead-metrics.ts";

/** "45s", "12m", "3h 05m", "2d 4h"; "–" when there is nothing to measure. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** "12.5%", or "–" with nothing to divide by. */
export function formatRate(part: number, whole: number): string {
  if (whole <= 0) return "–";
  const pct = (100 * part) / whole;
  return `${pct >= 10 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

export const DIMENSION_LABEL: Record<Dimension, string> = {
  source: "Source",
  campaign: "Campaign",
  rep: "Rep",
  team: "Team",
};

const NONE_LABEL: Record<Dimension, string> = {
  source: "(no source)",
  campaign: "(no campaign)",
  rep: "(unclaimed)",
  team: "(no team)",
};

/**
 * A monospace table: name, received, accepted, converted, conversion rate, disqualified,
 * median time to claim. Names are cut to keep lines short; rows beyond `maxRows` are summed
 * up in a last line. Rep keys are Slack ids: `repName` turns them into names.
 */
export function breakdownTable(
  rows: BreakdownRow[],
  by: Dimension,
  options: { maxRows?: number; repName?: (slackId: string) => string } = {},
): string {
  const maxRows = options.maxRows ?? 15;
  const label = (key: string | null) => {
    if (key === null || key === "") return NONE_LABEL[by];
    return by === "rep" && options.repName ? options.repName(key) : key;
  };
  const shown = rows.slice(0, maxRows);
  const names = shown.map((r) => cut(label(r.key), 24));
  const width = Math.max(DIMENSION_LABEL[by].length, ...names.map((n) => n.length));
  const header = [
    DIMENSION_LABEL[by].padEnd(width),
    "Leads".padStart(6),
    "Acc".padStart(6),
    "Conv".padStart(5),
    "Rate".padStart(6),
    "DQ".padStart(5),
    "Claim".padStart(8),
  ].join(" ");
  const lines = shown.map((r, i) =>
    [
      names[i]!.padEnd(width),
      String(r.received).padStart(6),
      String(r.accepted).padStart(6),
      String(r.converted).padStart(5),
      formatRate(r.converted, r.received).padStart(6),
      String(r.disqualified).padStart(5),
      formatDuration(r.medianClaimSeconds).padStart(8),
    ].join(" "),
  );
  const rest = rows.slice(maxRows);
  if (rest.length > 0) {
    const leads = rest.reduce((sum, r) => sum + r.received, 0);
    lines.push(`… ${rest.length} more (${leads} leads)`);
  }
  return [header, ...lines].join("\n");
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** Text placed inside a ``` code block: escaped for Slack, and no way to close the block early. */
export function codeBlock(text: string): string {
  return `\`\`\`${text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/```/g, "ˋˋˋ")}\`\`\``;
}

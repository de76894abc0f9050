// The brief on a lead's card, whoever wrote it: the model (src/ai/brief.ts, stored in
// `Lead.aiBrief`) or the deterministic summary built from the card's data when there is none.
// Plain text, not mrkdwn: whoever renders it escapes it (the card does).

/** A condensed lead: who and fit; what they did and when; where from and whom they met. */
export interface Brief {
  lines: [string, string, string];
  opener: string;
  /** Written by the model (the card says so), not by the deterministic summary. */
  ai?: boolean;
}

/** `Lead.aiBrief` (JSON) as a brief, or undefined when it is absent or not one. */
export function parseStoredBrief(raw: unknown): Brief | undefined {
  const brief = raw as Brief | null | undefined;
  if (!brief || !Array.isArray(brief.lines) || brief.lines.length !== 3) return undefined;
  if (typeof brief.opener !== "string") return undefined;
  return { lines: brief.lines, opener: brief.opener, ai: true };
}

// A colleague hands a lead to sales from Slack: the "Send to sales" message shortcut, `/leads
// new`, or the Workflow Builder step "Hand a lead to sales". The lead goes through capture like
// an API lead (found by email, merged, scored); its first activity is the referral itself, a
// `contact_sales` hand-raise, so it is qualified and routed to the team the playbook's rules
// pick, with who sent it, their note and the message it came from on the card.
import type { Database } from "#src/db/database.ts";
import { AppError } from "#src/errors.ts";
import { parseCountry } from "#src/import/value-formats.ts";
import { type LeadRequest, leadRequestSchema } from "#src/intake/schemas.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { type CaptureLeadResult, captureLead } from "#src/services/capture-lead.ts";

export interface Referral {
  email: string;
  name?: string;
  company?: string;
  title?: string;
  country?: string;
  companySize?: number;
  /** Why sales should call: the colleague's note. */
  note?: string;
  /** The Slack message the lead came from (its permalink), when there is one. */
  url?: string;
  /** The message's own words, cut to what a card shows. */
  message?: string;
}

export interface ReferLeadOptions {
  db: Database;
  playbook: Playbook;
  referral: Referral;
  /** Who handed it over: their Slack user id (the audit trail) and their name (the card). */
  by: { slackUserId?: string; name: string };
  /** Where it came from, for marketing's numbers: "Slack", "Slack workflow". */
  source: string;
  now: Date;
}

export async function referLead(options: ReferLeadOptions): Promise<CaptureLeadResult> {
  const { referral, by, now, playbook } = options;
  const input = parseReferral(referral, {
    source: options.source,
    activity: {
      type: "contact_sales",
      occurredAt: now.toISOString(),
      title: `Sent to sales by ${by.name}`,
      url: referral.url,
      message: referral.message,
      colleague: by.name,
      colleagueNote: referral.note,
      source: options.source,
    },
  });
  return captureLead({
    db: options.db,
    input,
    scoring: playbook.scoring,
    accountMatching: playbook.routing.accountMatching,
    actor: by.slackUserId
      ? { type: "REP", id: by.slackUserId }
      : { type: "SYSTEM", id: options.source },
    now,
  });
}

/** The referral as an intake request; a bad value is refused with the field it is about. */
function parseReferral(
  referral: Referral,
  extra: { source: string; activity: Record<string, unknown> },
): LeadRequest {
  const parsed = leadRequestSchema.safeParse({
    email: referral.email,
    name: referral.name,
    company: referral.company,
    title: referral.title,
    // "United States" → "US": routing rules compare country codes.
    country: referral.country === undefined ? undefined : parseCountry(referral.country),
    companySize: referral.companySize,
    source: extra.source,
    activities: [extra.activity],
  });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path:
      issue.path[0] === "activities" ? String(issue.path[2] ?? "") : String(issue.path[0] ?? ""),
    message: issue.message,
  }));
  const first = issues[0]!;
  throw new AppError("bad_request", `The lead's ${first.path || "details"} ${first.message}.`, {
    details: issues,
  });
}

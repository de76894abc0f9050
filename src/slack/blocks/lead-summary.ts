// The deterministic brief: three lines and an opener built from the lead card's data, used when
// there is no OpenAI key or the model is slow or fails, so a handoff never waits for a model.
// Also home to the plain-text phrases for an activity and a lead, which the card shares.
//
// The brief is plain text, not mrkdwn: whoever renders it escapes it (the card does).
import { humanize } from "#src/domain/scoring.ts";
import {
  describeActivity,
  isRequest,
  type LeadActivityView,
  recentActivities,
  strongestActivity,
} from "#src/read-models/lead-activity.ts";
import type { Brief } from "#src/read-models/lead-brief.ts";
import type { LeadCardView } from "#src/read-models/lead-card.ts";
import { relativeTime } from "#src/slack/blocks/relative-time.ts";
import { truncate } from "#src/slack/text.ts";

/** User text quoted inside a line is cut to this, so three lines stay short. */
const QUOTE_MAX = 80;
const LINE_MAX = 280;

/**
 * Plain text: "Requested a demo 2h ago: “Demo for 80 agents”", "Downloaded “Guide” 3d ago";
 * without `when`, just the deed and its object.
 */
export function activityPhrase(activity: LeadActivityView, when = "", max = QUOTE_MAX): string {
  const { did, what } = describeActivity(activity);
  const time = when ? ` ${when}` : "";
  if (!what) return `${did}${time}`;
  const quoted = `“${truncate(what, max)}”`;
  return isRequest(activity.type) ? `${did}${time}: ${quoted}` : `${did} ${quoted}${time}`;
}

/** The lead's name: first and last name, else the email's local part. */
export function displayName(view: Pick<LeadCardView, "firstName" | "lastName" | "email">): string {
  const name = oneLine([view.firstName, view.lastName].filter(Boolean).join(" "));
  return name || view.email.split("@")[0] || "Lead";
}

/** "Austin, Texas, US" */
export function location(view: Pick<LeadCardView, "city" | "region" | "country">): string {
  return [view.city, view.region, view.country].map(oneLine).filter(Boolean).join(", ");
}

export function buildDeterministicBrief(view: LeadCardView, now: Date): Brief {
  const recent = recentActivities(view.activities, now);
  return {
    lines: [
      cap(whoLine(view)),
      cap(didLine(view, recent, now)),
      cap(originLine(view, recent, now)),
    ],
    opener: cap(opener(view, recent, now)),
  };
}

/** Who and fit: "Dana Reyes, Director of Support at Acme (250 employees, …). Fit +35: …" */
function whoLine(view: LeadCardView): string {
  const title = short(view.title);
  const company = short(view.company);
  let who = displayName(view);
  if (title) who += `, ${title}`;
  if (company) who += ` at ${company}`;
  const details = [
    view.companySize != null ? `${view.companySize.toLocaleString("en-US")} employees` : "",
    short(view.industry),
    location(view),
  ].filter(Boolean);
  if (details.length) who += ` (${details.join(", ")})`;
  const fit = (view.scoreBreakdown ?? []).filter((line) => line.kind === "fit" && line.points > 0);
  const fitText = fit.length
    ? `Fit ${signed(view.fitScore ?? 0)}: ${fit
        .slice(0, 3)
        .map((line) => short(line.label))
        .join(", ")}.`
    : "No fit rule matched.";
  return `${who}. ${fitText}`;
}

/** What they did and when, strongest signal first. */
function didLine(view: LeadCardView, recent: LeadActivityView[], now: Date): string {
  const strongest = strongestActivity(recent, now);
  if (!strongest) return `No interactions in the last 90 days; score ${view.score}.`;
  const when = relativeTime(strongest.occurredAt, now);
  const n = recent.length;
  const others = (view.scoreBreakdown ?? [])
    .filter((line) => line.kind === "behavior" && line.points > 0)
    .filter((line) => line.label !== humanize(strongest.type))
    .slice(0, 2)
    .map((line) => `${short(line.label)}${(line.count ?? 1) > 1 ? ` ×${line.count}` : ""}`);
  const also = others.length ? `, also ${others.join(", ")}` : "";
  return `${activityPhrase(strongest, when)}; ${n} interaction${n === 1 ? "" : "s"} in 90 days${also}.`;
}

/** Where they came from, what they saw and who talked to them. */
function originLine(view: LeadCardView, recent: LeadActivityView[], now: Date): string {
  const source = short(view.source);
  const campaign = short(view.campaign);
  let origin = source
    ? `From ${source}${campaign ? `, campaign ${campaign}` : ""}`
    : campaign
      ? `Campaign ${campaign}`
      : "Source unknown";
  const event = recent.find((a) => a.type === "event_scan");
  if (event) {
    const name = short(event.eventName) || "an event";
    origin += `; at ${name} (${relativeTime(event.occurredAt, now)})`;
    const parts: string[] = [];
    if (short(event.message)) parts.push(`saw “${short(event.message)}”`);
    if (short(event.colleague)) {
      const note = short(event.colleagueNote);
      parts.push(`talked to ${short(event.colleague)}${note ? `: “${note}”` : ""}`);
    }
    origin += parts.length ? ` they ${parts.join(" and ")}` : " their badge was scanned";
  } else {
    const seen = recent.find((a) => short(a.message) && a.type !== "demo_request");
    if (seen) origin += `; last saw “${short(seen.message)}”`;
  }
  return sentence(origin);
}

/** A first sentence that shows the rep knows what the lead just did. */
function opener(view: LeadCardView, recent: LeadActivityView[], now: Date): string {
  const first = short(view.firstName) || displayName(view);
  const company = short(view.company);
  const strongest = strongestActivity(recent, now);
  const what = strongest ? describeActivity(strongest).what : undefined;
  const quoted = what ? `“${truncate(what, QUOTE_MAX)}”` : undefined;
  const forCompany = company ? ` for ${company}` : "";
  switch (strongest?.type) {
    case "demo_request":
      return `Hi ${first}, thanks for asking for a demo${quoted ? ` (${quoted})` : ""}. Would a 20-minute walkthrough this week work${forCompany || " for your team"}?`;
    case "contact_sales":
      return `Hi ${first}, thanks for reaching out${quoted ? ` about ${quoted}` : ""}. What prompted it, and what would a good outcome look like${forCompany}?`;
    case "meeting":
    case "call":
      return `Hi ${first}, following up on our conversation${quoted ? ` (${quoted})` : ""}: what would be the most useful next step${forCompany}?`;
    case "event_scan": {
      const colleague = short(strongest.colleague);
      const at = quoted ? ` at ${quoted}` : "";
      return colleague
        ? `Hi ${first}, ${colleague} enjoyed talking with you${at} and passed me your notes. Shall we pick up where you left off?`
        : `Hi ${first}, thanks for stopping by our booth${at}. What caught your eye?`;
    }
    case "pricing_page":
      return `Hi ${first}, I saw you were looking at our pricing. Happy to help you work out which plan fits${company ? ` ${company}` : " your team"}: how many seats are you thinking of?`;
    case "webinar_attended":
      return `Hi ${first}, thanks for joining ${quoted ?? "our webinar"}. What did you make of it, and does it match what you are working on?`;
    case "webinar_registered":
      return `Hi ${first}, I saw you signed up for ${quoted ?? "our webinar"}. Anything you would like us to cover while you are there?`;
    case "content_download":
      return `Hi ${first}, I saw you downloaded ${quoted ?? "one of our guides"}. Was it useful for what you are working on?`;
    case "form_submit":
      return `Hi ${first}, thanks for getting in touch${quoted ? ` (${quoted})` : ""}. What are you hoping to solve?`;
    case "email_click":
    case "email_open":
      return `Hi ${first}, I noticed ${quoted ? `our email ${quoted}` : "our email"} caught your interest. Is it something you are looking at right now?`;
    case "page_view":
      return `Hi ${first}, I noticed you were reading ${quoted ?? "about us"} on our site. What are you looking into${forCompany}?`;
    default:
      return `Hi ${first}, I would love to learn what you are working on${forCompany} and whether we can help.`;
  }
}

/** Collapses whitespace (newlines included) to single spaces. */
function oneLine(text: string | null | undefined): string {
  return text ? text.replace(/\s+/g, " ").trim() : "";
}

function short(text: string | null | undefined): string {
  return truncate(oneLine(text), QUOTE_MAX);
}

/** Ends with a full stop, unless a quote already ended the sentence ("…pilot.”"). */
function sentence(text: string): string {
  return /[.!?]”?$/.test(text) ? text : `${text}.`;
}

function cap(line: string): string {
  return truncate(line, LINE_MAX);
}

function signed(points: number): string {
  return points >= 0 ? `+${points}` : `${points}`;
}

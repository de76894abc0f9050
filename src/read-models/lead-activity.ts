// A lead's interactions as every reader sees them: what each one was, in words, which of them
// fall in the 90 days the card and the briefs look back on, and which says most about intent.
// Shared by the card, the deterministic brief, the activity replies and the AI brief; the words
// are plain text, and each surface escapes and decorates them itself.
import type { Database } from "#src/db/database.ts";
import { humanize } from "#src/domain/scoring.ts";

/** One interaction, as stored in `Activity`. */
export interface LeadActivityView {
  type: string;
  occurredAt: Date;
  url?: string | null;
  title?: string | null;
  eventName?: string | null;
  /** The message the lead saw: booth pitch, ad, email subject; or what they wrote in a request. */
  message?: string | null;
  colleague?: string | null;
  colleagueNote?: string | null;
}

const DAY = 86_400_000;
/** The card and the brief look back this far. */
export const TIMELINE_WINDOW = 90 * DAY;

interface ActivityWords {
  /** Past tense, capitalized: "Requested a demo". */
  did: string;
  strength: number;
}

// Strength ranks how much an activity says about buying intent: it picks the "strongest
// signal" for the brief and the opener. Hand-raises first, passive reading last.
const WORDS: Record<string, ActivityWords> = {
  demo_request: { did: "Requested a demo", strength: 100 },
  contact_sales: { did: "Contacted sales", strength: 95 },
  meeting: { did: "Had a meeting", strength: 90 },
  call: { did: "Had a call", strength: 85 },
  event_scan: { did: "Met us at", strength: 80 },
  pricing_page: { did: "Viewed pricing", strength: 70 },
  webinar_attended: { did: "Attended the webinar", strength: 60 },
  form_submit: { did: "Submitted a form", strength: 55 },
  content_download: { did: "Downloaded", strength: 50 },
  webinar_registered: { did: "Registered for the webinar", strength: 45 },
  email_click: { did: "Clicked through the email", strength: 40 },
  page_view: { did: "Viewed", strength: 20 },
  email_open: { did: "Opened the email", strength: 10 },
};

/** What one activity was, in words: the verb, and the user-supplied thing it was about. */
export interface ActivityDescription {
  did: string;
  /** Page title, download title, webinar or event name, email subject, request text (raw). */
  what?: string;
  /** The page or asset, when the activity has one (raw, unchecked). */
  url?: string;
}

export function describeActivity(activity: LeadActivityView): ActivityDescription {
  const words = WORDS[activity.type] ?? { did: humanize(activity.type), strength: 15 };
  const a = activity;
  const what = ((): string | null | undefined => {
    switch (a.type) {
      case "demo_request":
      case "contact_sales":
      case "form_submit":
        return a.message ?? a.title;
      case "webinar_registered":
      case "webinar_attended":
      case "event_scan":
        return a.eventName ?? a.title;
      case "email_open":
      case "email_click":
        return a.message ?? a.title;
      case "meeting":
      case "call":
        return a.title ?? a.message;
      default:
        return a.title ?? a.eventName ?? a.message ?? (a.url ? urlLabel(a.url) : undefined);
    }
  })();
  return {
    did: a.type === "event_scan" && !what ? "Met us at an event" : words.did,
    what: oneLine(what) || undefined,
    url: a.url ?? undefined,
  };
}

/** Activities whose text is what the lead wrote: it is quoted after the time. */
export function isRequest(type: string): boolean {
  return type === "demo_request" || type === "contact_sales" || type === "form_submit";
}

/** The activities of the last 90 days, most recent first (ties keep their given order). */
export function recentActivities(activities: LeadActivityView[], now: Date): LeadActivityView[] {
  const since = now.getTime() - TIMELINE_WINDOW;
  return activities
    .map((activity, index) => ({ activity, index }))
    .filter(({ activity }) => activity.occurredAt.getTime() >= since)
    .sort(
      (a, b) =>
        b.activity.occurredAt.getTime() - a.activity.occurredAt.getTime() || a.index - b.index,
    )
    .map(({ activity }) => activity);
}

/**
 * The strongest recent signal: intent (demo request over a page view) halved for every 30 days
 * of age, so last week's pricing visits beat a demo request from two months ago.
 */
export function strongestActivity(
  activities: LeadActivityView[],
  now: Date,
): LeadActivityView | undefined {
  let best: { activity: LeadActivityView; weight: number } | undefined;
  for (const activity of recentActivities(activities, now)) {
    const age = Math.max(0, now.getTime() - activity.occurredAt.getTime());
    const weight = (WORDS[activity.type]?.strength ?? 15) * 0.5 ** (age / (30 * DAY));
    // Most recent first: an equal weight later in the list is older and does not win.
    if (!best || weight > best.weight) best = { activity, weight };
  }
  return best?.activity;
}

/**
 * What a reply about new activity tells: the activities it announces (or, for messages queued
 * before their ids were sent, the latest `count`, at most 50) and the lead's owner.
 */
export async function loadNewActivities(
  db: Database,
  leadId: string,
  news: { count: number; ids?: string[] },
): Promise<{ ownerSlackId?: string; activities: LeadActivityView[] }> {
  const lead = await db.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: {
      owner: { select: { slackUserId: true } },
      activities: {
        ...(news.ids ? { where: { id: { in: news.ids } } } : {}),
        orderBy: { createdAt: "desc" },
        take: Math.max(1, Math.min(news.count, 50)),
      },
    },
  });
  return { ownerSlackId: lead.owner?.slackUserId, activities: lead.activities };
}

/** "acme.com/pricing" for a URL, or the text itself when it is not one. */
export function urlLabel(raw: string): string {
  if (!URL.canParse(raw)) return raw;
  const url = new URL(raw);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.host.replace(/^www\./, "")}${path}`;
}

/** Collapses whitespace (newlines included) to single spaces. */
function oneLine(text: string | null | undefined): string {
  return text ? text.replace(/\s+/g, " ").trim() : "";
}

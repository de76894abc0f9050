// The lead card: who the lead is, why now, the score and its reasons, where they came from, the
// last 90 days of interactions, the brief, the status and the buttons that fit it. Posted to a
// team channel or a rep's DM, and updated in place as the lead moves.
//
// User text never formats, links or pings. Exact strings (name, company, title, location,
// source, campaign) go in plain_text objects, where Slack interprets nothing; user text inside
// mrkdwn (timeline, notes, reasons, the brief) goes through `safeMrkdwn`, which escapes `&<>`
// and swaps `*_~\`` for look-alikes. Every mrkdwn object is `verbatim`, so Slack does not turn
// bare URLs, #channel or @here in user text into links or mentions either.
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from "@slack/types";
import { humanize, type ScoreLine } from "#src/domain/scoring.ts";
import {
  describeActivity,
  isRequest,
  type LeadActivityView,
  recentActivities,
  urlLabel,
} from "#src/read-models/lead-activity.ts";
import type { Brief } from "#src/read-models/lead-brief.ts";
import type { LeadCardView } from "#src/read-models/lead-card.ts";
import { activityEmoji } from "#src/slack/blocks/activity-emoji.ts";
import { activityPhrase, displayName, location } from "#src/slack/blocks/lead-summary.ts";
import { relativeTime, shortDate } from "#src/slack/blocks/relative-time.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { escapeText, httpUrl, LIMITS, safeMrkdwn, safeText } from "#src/slack/text.ts";

export interface LeadCardOptions {
  now: Date;
  /** Where "…and N more" leads: the lead's full timeline. Linked only if http(s). */
  timelineUrl?: string;
  /** The AI brief, or the deterministic one; absent, the card has no brief section. */
  brief?: Brief;
  /**
   * The team's time zone (default UTC): timeline dates ("Nov 3") and the fallback of the claim
   * time. The claim time itself is a Slack date token, shown in each reader's own zone.
   */
  timeZone?: string;
}

/** Most blocks a card uses, far below Slack's 50 per message. */
export const MAX_CARD_BLOCKS = 20;
const TIMELINE_LINES = 15;
/** Room the timeline leaves under Slack's 3000 characters per section. */
const TIMELINE_CHARS = 2800;
const EVENT_SECTIONS = 2;
const BREAKDOWN_LINES = 8;
/** Longer URLs are shown as their label, not linked: one link must not eat the section. */
const LINK_URL_MAX = 300;
const SLACK_USER = /^[UW][A-Z0-9]{2,20}$/;

export function buildLeadCard(
  view: LeadCardView,
  options: LeadCardOptions,
): { text: string; blocks: KnownBlock[] } {
  const { now } = options;
  const timeZone = options.timeZone ?? "UTC";
  const recent = recentActivities(view.activities, now);
  const blocks: KnownBlock[] = [header(view), details(view)];

  const why = whyNow(view, now, timeZone);
  if (why) blocks.push(section(`:zap: *Why now:* ${why}`));
  if (options.brief) blocks.push(briefSection(options.brief, view.bookingUrl));
  blocks.push(scoreSection(view), originContext(view));
  for (const event of recent.filter(isTalkedTo).slice(0, EVENT_SECTIONS)) {
    blocks.push(eventSection(event, now, timeZone));
  }
  blocks.push({ type: "divider" }, ...timeline(recent, now, timeZone, options.timelineUrl));
  blocks.push(section(statusLine(view, now, timeZone)));
  const routed = routingLine(view);
  if (routed) blocks.push({ type: "context", elements: [mrkdwn(routed)] });
  const buttons = actions(view);
  if (buttons) blocks.push(buttons);

  return { text: fallbackText(view, now, timeZone), blocks };
}

function header(view: LeadCardView): KnownBlock {
  const company = oneLine(view.company);
  const title = company ? `${oneLine(displayName(view))} · ${company}` : displayName(view);
  return { type: "header", text: plain(safeText(title, LIMITS.header) || "Lead") };
}

/** "L-1042 · Director of Support · 250 employees · Call centers · Austin, TX, US", then links. */
function details(view: LeadCardView): KnownBlock {
  const facts = [
    `L-${view.number}`,
    oneLine(view.title),
    view.companySize != null ? `${view.companySize.toLocaleString("en-US")} employees` : "",
    oneLine(view.industry),
    location(view),
  ].filter(Boolean);
  const elements: ContextBlock["elements"] = [
    plain(safeText(facts.join(" · "), LIMITS.contextElement)),
  ];
  const links = [
    link(view.linkedinUrl, "LinkedIn"),
    link(view.website, (url) => safeMrkdwn(urlLabel(url).replace(/\/$/, ""), 100)),
  ].filter(Boolean);
  if (links.length) elements.push(mrkdwn(links.join(" · ")));
  return { type: "context", elements };
}

/** Why now, in words: the hand-raise and when, or the score that crossed the threshold. */
function whyNow(view: LeadCardView, now: Date, timeZone: string): string | undefined {
  const trigger = view.trigger;
  if (!trigger) return undefined;
  if (trigger.kind === "hand_raise") {
    const raised = latestOfType(view.activities, trigger.activityType);
    if (!raised) return `Raised a hand: ${safeMrkdwn(humanize(trigger.activityType), 100)}`;
    return activityLine(raised, now, timeZone, { withTime: true, emoji: false, maxWhat: 300 });
  }
  const labels = trigger.top.map((label) => {
    const line = view.scoreBreakdown?.find((l) => l.label === label);
    return safeMrkdwn(withCount(label, line?.count), 100);
  });
  const when = view.qualifiedAt ? ` ${relativeTime(view.qualifiedAt, now, timeZone)}` : "";
  const reasons = labels.length ? `: ${labels.join(", ")}` : "";
  return `Score ${trigger.score} crossed the threshold ${trigger.threshold}${when}${reasons}`;
}

function briefSection(brief: Brief, bookingUrl: string | undefined): KnownBlock {
  const lines = brief.lines.map((line) => `• ${safeMrkdwn(oneLine(line), 500)}`);
  const opener = openerWithBooking(brief.opener, bookingUrl);
  return section(
    `${brief.ai ? ":sparkles: *AI brief*" : ":memo: *Brief*"}\n${lines.join("\n")}${opener ? `\n*Suggested opener:* “${opener}”` : ""}`,
  );
}

/**
 * The suggested opener, ending with the rep's booking link so the first reply can offer a time.
 * The link is added as a link, never as user text (mrkdwn neutralizing would break its `_`), and
 * after the opener is cut to length; a model that wrote the link into its opener anyway gets it
 * taken out there, so it is shown once.
 */
function openerWithBooking(raw: string, bookingUrl: string | undefined): string {
  const said = bookingUrl ? raw.replaceAll(bookingUrl, "").replace(/[\s:]+$/, "") : raw;
  const opener = safeMrkdwn(oneLine(said), 600);
  if (!opener || !bookingUrl) return opener;
  return `${opener} If it is easier, pick a time that suits you here: <${escapeText(bookingUrl)}>`;
}

function scoreSection(view: LeadCardView): KnownBlock {
  const breakdown = view.scoreBreakdown ?? [];
  const fit = view.fitScore ?? sum(breakdown.filter((l) => l.kind === "fit"));
  const behavior = view.behaviorScore ?? sum(breakdown.filter((l) => l.kind === "behavior"));
  const block: SectionBlock = {
    type: "section",
    text: mrkdwn(
      `:bar_chart: *Score ${view.score}* · fit ${signed(fit)} · behaviour ${signed(behavior)}`,
    ),
  };
  const fields = (["fit", "behavior"] as const).flatMap((kind) => {
    const lines = breakdown.filter((l) => l.kind === kind);
    if (lines.length === 0) return [];
    const shown = lines
      .slice(0, BREAKDOWN_LINES)
      .map((l) => `${signed(l.points)} ${safeMrkdwn(withCount(l.label, l.count), 150)}`);
    if (lines.length > BREAKDOWN_LINES) shown.push(`_…and ${lines.length - BREAKDOWN_LINES} more_`);
    return [mrkdwn(`*${kind === "fit" ? "Fit" : "Behaviour"}*\n${shown.join("\n")}`)];
  });
  if (fields.length) block.fields = fields;
  return block;
}

function originContext(view: LeadCardView): KnownBlock {
  const source = oneLine(view.source);
  const campaign = oneLine(view.campaign);
  const elements: PlainTextElement[] = [plain(`Source: ${safeText(source, 200) || "unknown"}`)];
  if (campaign) elements.push(plain(`Campaign: ${safeText(campaign, 200)}`));
  return { type: "context", elements };
}

function isTalkedTo(activity: LeadActivityView): boolean {
  // A colleague's referral from Slack ("Send to sales") carries who sent it and their note.
  if (activity.type === "contact_sales") return Boolean(oneLine(activity.colleague));
  return (
    activity.type === "event_scan" &&
    Boolean(
      oneLine(activity.message) || oneLine(activity.colleague) || oneLine(activity.colleagueNote),
    )
  );
}

/** A colleague's referral: who sent the lead, their note, and the Slack message it came from. */
function referralSection(referral: LeadActivityView, now: Date, timeZone: string): KnownBlock {
  const by = safeMrkdwn(oneLine(referral.colleague), 200);
  const lines = [
    `:handshake: *Sent to sales by ${by}* · ${relativeTime(referral.occurredAt, now, timeZone)}`,
  ];
  const message = safeMrkdwn(oneLine(referral.message), 500);
  const url = httpUrl(referral.url);
  if (message) lines.push(`*From the message:* “${message}”`);
  if (url && url.length <= LINK_URL_MAX) lines.push(`<${url}|Open the message in Slack>`);
  const note = quote(referral.colleagueNote, 1500);
  if (note) lines.push(note);
  return section(lines.join("\n"));
}

/** An event contact, prominently: what they saw, who talked to them and what that colleague noted. */
function eventSection(event: LeadActivityView, now: Date, timeZone: string): KnownBlock {
  if (event.type === "contact_sales") return referralSection(event, now, timeZone);
  const name = safeMrkdwn(oneLine(event.eventName), 200) || "an event";
  const lines = [`:handshake: *Met at ${name}* · ${relativeTime(event.occurredAt, now, timeZone)}`];
  const message = safeMrkdwn(oneLine(event.message), 500);
  if (message) lines.push(`*They saw:* “${message}”`);
  const colleague = safeMrkdwn(oneLine(event.colleague), 200);
  if (colleague) lines.push(`*Talked to:* ${colleague}`);
  const note = quote(event.colleagueNote, 1500);
  if (note) lines.push(colleague ? note : `*Note:*\n${note}`);
  return section(lines.join("\n"));
}

/** The last 90 days, most recent first; repeats in a row condensed to "×3"; cut to fit. */
function timeline(
  recent: LeadActivityView[],
  now: Date,
  timeZone: string,
  timelineUrl: string | undefined,
): KnownBlock[] {
  if (recent.length === 0) {
    return [section("*Last 90 days:* no recorded interactions.")];
  }
  const rows: { activity: LeadActivityView; count: number }[] = [];
  for (const activity of recent) {
    const last = rows.at(-1);
    if (last && sameThing(last.activity, activity)) last.count += 1;
    else rows.push({ activity, count: 1 });
  }
  const n = recent.length;
  let text = `*Last 90 days* · ${n} interaction${n === 1 ? "" : "s"}`;
  let shown = 0;
  for (const [index, row] of rows.entries()) {
    if (index >= TIMELINE_LINES) break;
    const when = relativeTime(row.activity.occurredAt, now, timeZone);
    const what = activityLine(row.activity, now, timeZone, {
      withTime: false,
      emoji: true,
      maxWhat: 120,
    });
    const line = `\n• ${when} · ${what}${row.count > 1 ? ` ×${row.count}` : ""}`;
    if (text.length + line.length > TIMELINE_CHARS) break;
    text += line;
    shown += row.count;
  }
  const blocks: KnownBlock[] = [section(text)];
  if (shown < n) {
    const url = httpUrl(timelineUrl);
    const more = `…and ${n - shown} more`;
    blocks.push({
      type: "context",
      elements: [mrkdwn(url ? `${more} · <${escapeText(url)}|See the full timeline>` : more)],
    });
  }
  return blocks;
}

/**
 * One activity in mrkdwn: ":moneybag: Viewed pricing <https://…|“Plans”>", or for requests
 * "Requested a demo 2h ago: “Demo for 80 agents”" (the time only when asked for).
 */
function activityLine(
  activity: LeadActivityView,
  now: Date,
  timeZone: string,
  options: { withTime: boolean; emoji: boolean; maxWhat: number },
): string {
  const { did, what, url } = describeActivity(activity);
  const emoji = activityEmoji(activity.type);
  const { withTime, maxWhat } = options;
  const when = withTime ? ` ${relativeTime(activity.occurredAt, now, timeZone)}` : "";
  const verb = `${options.emoji ? `${emoji} ` : ""}${safeMrkdwn(did, 100)}`;
  let object = "";
  if (what) {
    const quoted = `“${safeMrkdwn(what, maxWhat)}”`;
    const href = httpUrl(url);
    const linked =
      href && escapeText(href).length <= LINK_URL_MAX ? `<${escapeText(href)}|${quoted}>` : quoted;
    object = isRequest(activity.type) ? `${when}: ${linked}` : ` ${linked}${when}`;
  } else {
    object = when;
  }
  const colleague = oneLine(activity.colleague);
  const talked =
    activity.type === "event_scan" && colleague ? `, talked to ${safeMrkdwn(colleague, 100)}` : "";
  return `${verb}${object}${talked}`;
}

/** The most recent activity of a type, at any age. */
function latestOfType(activities: LeadActivityView[], type: string): LeadActivityView | undefined {
  let latest: LeadActivityView | undefined;
  for (const activity of activities) {
    if (activity.type === type && (!latest || activity.occurredAt > latest.occurredAt)) {
      latest = activity;
    }
  }
  return latest;
}

function sameThing(a: LeadActivityView, b: LeadActivityView): boolean {
  const x = describeActivity(a);
  const y = describeActivity(b);
  return (
    a.type === b.type && x.what === y.what && (x.url ?? "") === (y.url ?? "") && !isTalkedTo(a)
  );
}

/** While the lead is on offer: why this rep (or this team) got it, as routing decided. */
function routingLine(view: LeadCardView): string | undefined {
  const why = view.routingWhy;
  if (view.status !== "OFFERED" || !why) return undefined;
  const text = safeMrkdwn(oneLine(why.text), 600);
  if (why.rep && why.rep === view.offeredToSlackId) return `:compass: *Why you:* ${text}`;
  return why.rep ? undefined : `:compass: *Why this team:* ${text}`;
}

function statusLine(view: LeadCardView, now: Date, timeZone: string): string {
  const reason = safeMrkdwn(oneLine(view.dispositionReason), 500);
  const owner = mention(view.ownerSlackId);
  switch (view.status) {
    case "CAPTURED":
      return ":inbox_tray: *Not qualified yet*";
    case "NURTURE":
      return `:seedling: *Back in nurture*${reason ? `: ${reason}` : ""}`;
    case "DISQUALIFIED":
      return `:no_entry_sign: *Disqualified*${reason ? `: ${reason}` : ""}`;
    case "CONVERTED":
      // A conversion the CRM recorded says so ("converted in HubSpot").
      return `:trophy: *Converted*${owner ? ` by ${owner}` : ""}${reason ? ` · ${reason}` : ""}${view.opportunity ? ` · ${safeMrkdwn(oneLine(view.opportunity), 300)}` : ""}`;
    case "QUALIFIED":
    case "OFFERED": {
      const offeredTo = mention(view.offeredToSlackId);
      if (view.status === "OFFERED" && offeredTo) {
        return `:point_right: *Offered to* ${offeredTo}`;
      }
      return view.teamMode === "claim" || view.status === "OFFERED"
        ? ":hourglass_flowing_sand: *Waiting for a claim*"
        : ":hourglass_flowing_sand: *Waiting to be offered to a rep*";
    }
    case "CLAIMED":
    case "WORKING": {
      const by = owner ? ` by ${owner}` : "";
      const at = view.claimedAt ? ` ${slackTime(view.claimedAt, now, timeZone)}` : "";
      const touches = view.touchCount ?? 0;
      const work =
        touches > 0
          ? `${touches} touch${touches === 1 ? "" : "es"}${view.lastTouchAt ? `, last ${relativeTime(view.lastTouchAt, now, timeZone)}` : ""}`
          : "not contacted yet";
      return `:raised_hand: *Claimed*${by}${at} · ${work}`;
    }
  }
}

/**
 * The buttons that fit the status. An offer to one rep (assign mode, or the account owner)
 * is accepted or passed; a lead posted to the channel is claimed by whoever is first.
 */
function actions(view: LeadCardView): ActionsBlock | undefined {
  const b = (label: string, actionId: string, style?: "primary") =>
    button(view.id, label, actionId, style);
  let elements: Button[] = [];
  switch (view.status) {
    case "OFFERED":
      elements = mention(view.offeredToSlackId)
        ? [b("Accept", ACTIONS.accept, "primary"), b("Pass", ACTIONS.pass)]
        : claimButtons(b);
      break;
    case "QUALIFIED":
      elements = view.teamMode === "claim" ? claimButtons(b) : [];
      break;
    case "CLAIMED":
    case "WORKING":
      elements = [
        b("Log touch", ACTIONS.logTouch, "primary"),
        b("Converted", ACTIONS.converted),
        b("Release", ACTIONS.release),
        b("Disqualify", ACTIONS.disqualify),
        b("Back to nurture", ACTIONS.nurture),
        b("Reassign", ACTIONS.reassign),
      ];
      break;
    default:
      elements = [];
  }
  return elements.length ? { type: "actions", elements } : undefined;
}

function claimButtons(b: (label: string, actionId: string, style?: "primary") => Button) {
  return [
    b("Claim", ACTIONS.claim, "primary"),
    b("Disqualify", ACTIONS.disqualify),
    b("Back to nurture", ACTIONS.nurture),
    b("Reassign", ACTIONS.reassign),
  ];
}

/**
 * The value is the lead id alone, as the listeners expect. A card version would not help: the
 * version moves with every captured page view, so it would refuse good clicks, and stale ones
 * are already refused by the use cases' conditional updates (a claimed lead cannot be claimed).
 */
function button(leadId: string, label: string, actionId: string, style?: "primary"): Button {
  return {
    type: "button",
    text: { type: "plain_text", text: label },
    action_id: actionId,
    value: leadId,
    ...(style ? { style } : {}),
  };
}

/** Notification text: "L-1042 Dana Reyes (Acme): Requested a demo · score 72". */
function fallbackText(view: LeadCardView, now: Date, timeZone: string): string {
  const company = oneLine(view.company);
  const who = `${displayName(view)}${company ? ` (${company})` : ""}`;
  const trigger = view.trigger;
  let why = "";
  if (trigger?.kind === "hand_raise") {
    const raised = latestOfType(view.activities, trigger.activityType);
    why = raised
      ? activityPhrase(raised, relativeTime(raised.occurredAt, now, timeZone), 60)
      : humanize(trigger.activityType);
  } else if (trigger?.kind === "score") {
    why = `score ${trigger.score} crossed ${trigger.threshold}`;
  }
  const text = [`L-${view.number} ${who}`, why, `score ${view.score}`].filter(Boolean).join(" · ");
  return safeMrkdwn(oneLine(text), 300);
}

/** "today at 10:42" in each reader's own time zone; the fallback in the team's. */
function slackTime(at: Date, now: Date, timeZone: string): string {
  const time = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).format(at);
  const fallback = `${shortDate(at, now, timeZone)} at ${time}`;
  return `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} at {time}|${escapeText(fallback)}>`;
}

function mention(slackId: string | null | undefined): string | undefined {
  return slackId && SLACK_USER.test(slackId) ? `<@${slackId}>` : undefined;
}

/** A mrkdwn link for an http(s) URL only; `label` is a fixed word or a function of the URL. */
function link(
  raw: string | null | undefined,
  label: string | ((url: string) => string),
): string | undefined {
  const url = httpUrl(raw);
  if (!url || escapeText(url).length > LINK_URL_MAX) return undefined;
  return `<${escapeText(url)}|${typeof label === "string" ? label : label(url)}>`;
}

/** User text as a mrkdwn quote, line by line; blank lines dropped, at most 12 lines. */
function quote(text: string | null | undefined, max: number): string {
  const safe = safeMrkdwn(text?.trim(), max);
  return safe
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .slice(0, 12)
    .map((line) => `> ${line}`)
    .join("\n");
}

function section(text: string): SectionBlock {
  return { type: "section", text: mrkdwn(text) };
}

function mrkdwn(text: string): MrkdwnElement {
  return { type: "mrkdwn", text, verbatim: true };
}

function plain(text: string): PlainTextElement {
  return { type: "plain_text", text, emoji: false };
}

function oneLine(text: string | null | undefined): string {
  return text ? text.replace(/\s+/g, " ").trim() : "";
}

function withCount(label: string, count: number | undefined): string {
  return count && count > 1 ? `${label} ×${count}` : label;
}

function signed(points: number): string {
  return points >= 0 ? `+${points}` : `${points}`;
}

function sum(lines: ScoreLine[]): number {
  return lines.reduce((total, line) => total + line.points, 0);
}

import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import type { LeadStatus } from "#src/db/generated/enums.ts";
import type { LeadActivityView } from "#src/read-models/lead-activity.ts";
import type { LeadCardView } from "#src/read-models/lead-card.ts";
import { buildLeadCard, MAX_CARD_BLOCKS } from "#src/slack/blocks/lead-card.ts";
import { buildDeterministicBrief } from "#src/slack/blocks/lead-summary.ts";
import { relativeTime } from "#src/slack/blocks/relative-time.ts";
import { ACTIONS } from "#src/slack/ids.ts";
import { httpUrl, LIMITS, neutralizeMrkdwn, safeMrkdwn } from "#src/slack/text.ts";

const now = new Date("2026-11-20T15:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(now.getTime() - ms);
const LEAD_ID = "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b";

/** A call-center director who looked at pricing three times, then asked for a demo. */
function callCenterLead(overrides: Partial<LeadCardView> = {}): LeadCardView {
  return {
    id: LEAD_ID,
    number: 1042,
    email: "dana.reyes@acmecontact.com",
    firstName: "Dana",
    lastName: "Reyes",
    title: "Director of Customer Support",
    company: "Acme Contact Centers",
    companySize: 250,
    industry: "Call centers",
    city: "Austin",
    region: "Texas",
    country: "US",
    linkedinUrl: "https://www.linkedin.com/in/dana-reyes",
    website: "https://www.acmecontact.com/",
    source: "google_ads",
    campaign: "q4-callcenter-ai",
    status: "OFFERED",
    teamMode: "claim",
    score: 72,
    fitScore: 35,
    behaviorScore: 37,
    scoreBreakdown: [
      { kind: "fit", label: "Call-center manager", points: 25 },
      { kind: "fit", label: "60+ seats", points: 10 },
      { kind: "behavior", label: "Pricing page", points: 24, count: 3 },
      { kind: "behavior", label: "Demo request", points: 13, count: 1 },
    ],
    trigger: { kind: "hand_raise", activityType: "demo_request", score: 72 },
    qualifiedAt: ago(2 * HOUR),
    activities: [
      {
        type: "pricing_page",
        occurredAt: ago(26 * HOUR),
        url: "https://baton.example/pricing",
        title: "Pricing — Baton",
      },
      {
        type: "demo_request",
        occurredAt: ago(2 * HOUR),
        url: "https://baton.example/demo",
        message: "Demo for 80 agents",
      },
      {
        type: "pricing_page",
        occurredAt: ago(27 * HOUR),
        url: "https://baton.example/pricing",
        title: "Pricing — Baton",
      },
      {
        type: "pricing_page",
        occurredAt: ago(3 * DAY),
        url: "https://baton.example/pricing",
        title: "Pricing — Baton",
      },
      {
        type: "content_download",
        occurredAt: ago(10 * DAY),
        url: "https://baton.example/guides/staffing",
        title: "2026 Call Center Staffing Guide",
      },
      { type: "webinar_attended", occurredAt: ago(20 * DAY), eventName: "AI routing for support" },
      {
        type: "email_click",
        occurredAt: ago(25 * DAY),
        message: "Cut hold times by 40%",
        url: "https://baton.example/blog/hold-times",
      },
      // Older than 90 days: not on the card.
      {
        type: "page_view",
        occurredAt: ago(100 * DAY),
        url: "https://baton.example/",
        title: "Home",
      },
    ],
    ...overrides,
  };
}

/** Met at a trade show: the booth message, the colleague and their note; claimed since. */
function tradeShowLead(overrides: Partial<LeadCardView> = {}): LeadCardView {
  return {
    id: "0193a1b2-0000-7000-8000-000000000002",
    number: 2001,
    email: "k.osei@northwind-support.io",
    firstName: "Kwame",
    lastName: "Osei",
    title: "Head of Customer Operations",
    company: "Northwind Support",
    companySize: 120,
    industry: "BPO",
    city: "Las Vegas",
    region: "NV",
    country: "US",
    source: "trade_show",
    campaign: "ccw-2026",
    status: "CLAIMED",
    teamMode: "claim",
    score: 64,
    fitScore: 40,
    behaviorScore: 24,
    scoreBreakdown: [
      { kind: "fit", label: "Operations leader", points: 25 },
      { kind: "fit", label: "60+ seats", points: 15 },
      { kind: "behavior", label: "Event scan", points: 20, count: 1 },
      { kind: "behavior", label: "Page view", points: 4, count: 2 },
    ],
    trigger: {
      kind: "score",
      score: 64,
      threshold: 60,
      top: ["Operations leader", "Event scan", "60+ seats"],
    },
    ownerSlackId: "U0REP0001",
    claimedAt: new Date("2026-11-20T10:42:00Z"),
    touchCount: 0,
    activities: [
      {
        type: "event_scan",
        occurredAt: ago(5 * DAY),
        eventName: "Customer Contact Week Las Vegas",
        message: "AI routing cuts wait times 40%",
        colleague: "Maria Lopez",
        colleagueNote:
          "Runs 3 sites, 120 agents. Unhappy with their IVR.\nWants pricing for a Q1 pilot.\n\nFollow up before Dec 15.",
      },
      { type: "page_view", occurredAt: ago(2 * DAY), url: "https://baton.example/routing" },
      { type: "page_view", occurredAt: ago(2 * DAY + HOUR), url: "https://baton.example/routing" },
    ],
    ...overrides,
  };
}

/** Every text object in the blocks, with where it sits. */
function textObjects(blocks: KnownBlock[]): { type: string; text: string; where: string }[] {
  const found: { type: string; text: string; where: string }[] = [];
  const visit = (value: unknown, where: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        visit(item, `${where}[${i}]`);
      });
    } else if (value && typeof value === "object") {
      const object = value as Record<string, unknown>;
      if (
        (object.type === "mrkdwn" || object.type === "plain_text") &&
        typeof object.text === "string"
      ) {
        found.push({ type: object.type, text: object.text, where });
      }
      for (const [key, child] of Object.entries(object)) visit(child, `${where}.${key}`);
    }
  };
  visit(blocks, "blocks");
  return found;
}

/** Slack's limits for everything the card uses. */
function expectWithinSlackLimits(card: { text: string; blocks: KnownBlock[] }) {
  const blocks: KnownBlock[] = card.blocks;
  expect(blocks.length).toBeLessThanOrEqual(MAX_CARD_BLOCKS);
  expect(MAX_CARD_BLOCKS).toBeLessThan(LIMITS.blocksPerMessage);
  expect(card.text.length).toBeGreaterThan(0);
  expect(card.text.length).toBeLessThanOrEqual(LIMITS.messageText);
  for (const block of blocks) {
    switch (block.type) {
      case "header":
        expect(block.text.type).toBe("plain_text");
        expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.header);
        break;
      case "section":
        expect(block.text ?? block.fields).toBeDefined();
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.sectionText);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
        for (const field of block.fields ?? []) {
          expect(field.text.length).toBeLessThanOrEqual(LIMITS.field);
        }
        break;
      case "context":
        expect(block.elements.length).toBeGreaterThan(0);
        expect(block.elements.length).toBeLessThanOrEqual(10);
        for (const element of block.elements) {
          if ("text" in element) {
            expect(element.text.length).toBeLessThanOrEqual(LIMITS.contextElement);
          }
        }
        break;
      case "actions": {
        expect(block.elements.length).toBeGreaterThan(0);
        // Our own readability limit (Slack allows 25): one row on desktop, two on a phone.
        expect(block.elements.length).toBeLessThanOrEqual(6);
        const ids = new Set<string>();
        for (const element of block.elements) {
          expect(element.type).toBe("button");
          if (element.type !== "button") continue;
          expect(element.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
          expect(element.value?.length ?? 0).toBeLessThanOrEqual(LIMITS.buttonValue);
          expect(element.action_id?.length ?? 0).toBeLessThanOrEqual(255);
          ids.add(element.action_id ?? "");
        }
        expect(ids.size).toBe(block.elements.length);
        break;
      }
      case "divider":
        break;
      default:
        throw new Error(`unexpected block ${block.type}`);
    }
  }
  for (const object of textObjects(blocks)) {
    expect(object.text.length, object.where).toBeGreaterThan(0);
  }
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === "section" && b.text ? [b.text.text] : []));
}

function buttonsOf(card: { blocks: KnownBlock[] }) {
  const actions = card.blocks.filter((b) => b.type === "actions");
  expect(actions.length).toBeLessThanOrEqual(1);
  return (actions[0]?.elements ?? []).flatMap((e) =>
    e.type === "button"
      ? [{ id: e.action_id, text: e.text.text, style: e.style, value: e.value }]
      : [],
  );
}

describe("buildLeadCard: a call-center director who asked for a demo", () => {
  const view = callCenterLead();
  const card = buildLeadCard(view, {
    now,
    timelineUrl: "https://baton.example/leads/L-1042",
  });

  it("stays within Slack's limits", () => {
    expectWithinSlackLimits(card);
  });

  it("heads the card with the name and company, then title, size, industry, place and links", () => {
    expect(card.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "Dana Reyes · Acme Contact Centers", emoji: false },
    });
    expect(card.blocks[1]).toEqual({
      type: "context",
      elements: [
        {
          type: "plain_text",
          text: "L-1042 · Director of Customer Support · 250 employees · Call centers · Austin, Texas, US",
          emoji: false,
        },
        {
          type: "mrkdwn",
          text: "<https://www.linkedin.com/in/dana-reyes|LinkedIn> · <https://www.acmecontact.com/|acmecontact.com>",
          verbatim: true,
        },
      ],
    });
  });

  it("says why now: the demo request, when, and what they wrote", () => {
    expect(sectionTexts(card.blocks)).toContain(
      ":zap: *Why now:* Requested a demo 2h ago: <https://baton.example/demo|“Demo for 80 agents”>",
    );
  });

  it("shows the score with its fit and behaviour lines", () => {
    const score = card.blocks.find(
      (b) => b.type === "section" && b.text?.text.includes("*Score 72*"),
    );
    expect(score).toEqual({
      type: "section",
      text: {
        type: "mrkdwn",
        text: ":bar_chart: *Score 72* · fit +35 · behaviour +37",
        verbatim: true,
      },
      fields: [
        { type: "mrkdwn", text: "*Fit*\n+25 Call-center manager\n+10 60+ seats", verbatim: true },
        {
          type: "mrkdwn",
          text: "*Behaviour*\n+24 Pricing page ×3\n+13 Demo request",
          verbatim: true,
        },
      ],
    });
  });

  it("shows source and campaign exactly, as plain text", () => {
    expect(card.blocks).toContainEqual({
      type: "context",
      elements: [
        { type: "plain_text", text: "Source: google_ads", emoji: false },
        { type: "plain_text", text: "Campaign: q4-callcenter-ai", emoji: false },
      ],
    });
  });

  it("lists the last 90 days most recent first, repeats condensed, older ones left out", () => {
    const timeline = sectionTexts(card.blocks).find((t) => t.startsWith("*Last 90 days*"));
    expect(timeline).toBe(
      [
        "*Last 90 days* · 7 interactions",
        "• 2h ago · :raising_hand: Requested a demo: <https://baton.example/demo|“Demo for 80 agents”>",
        "• 1d ago · :moneybag: Viewed pricing <https://baton.example/pricing|“Pricing — Baton”> ×3",
        "• Nov 10 · :inbox_tray: Downloaded <https://baton.example/guides/staffing|“2026 Call Center Staffing Guide”>",
        "• Oct 31 · :tv: Attended the webinar “AI routing for support”",
        "• Oct 26 · :link: Clicked through the email <https://baton.example/blog/hold-times|“Cut hold times by 40%”>",
      ].join("\n"),
    );
    // Everything fits: no "…and N more".
    expect(JSON.stringify(card.blocks)).not.toContain("more");
  });

  it("waits for a claim, with Claim first", () => {
    expect(sectionTexts(card.blocks)).toContain(":hourglass_flowing_sand: *Waiting for a claim*");
    expect(buttonsOf(card)).toEqual([
      { id: ACTIONS.claim, text: "Claim", style: "primary", value: LEAD_ID },
      { id: ACTIONS.disqualify, text: "Disqualify", style: undefined, value: LEAD_ID },
      { id: ACTIONS.nurture, text: "Back to nurture", style: undefined, value: LEAD_ID },
      { id: ACTIONS.reassign, text: "Reassign", style: undefined, value: LEAD_ID },
    ]);
  });

  it("has a notification text with who and why", () => {
    expect(card.text).toBe(
      "L-1042 Dana Reyes (Acme Contact Centers) · Requested a demo 2h ago: “Demo for 80 agents” · score 72",
    );
  });

  it("has no brief section unless a brief is given", () => {
    expect(JSON.stringify(card.blocks)).not.toContain("*Brief*");
    const brief = buildDeterministicBrief(view, now);
    const withBrief = buildLeadCard(view, { now, brief });
    const section = sectionTexts(withBrief.blocks).find((t) => t.startsWith(":memo: *Brief*"));
    expect(section?.split("\n")).toEqual([
      ":memo: *Brief*",
      ...brief.lines.map((line) => `• ${safeMrkdwn(line)}`),
      `*Suggested opener:* “${safeMrkdwn(brief.opener)}”`,
    ]);
    expectWithinSlackLimits(withBrief);
  });

  it("ends the suggested opener with the rep's booking link, once, as a link", () => {
    const url = "https://calendly.com/priya_sharma/30min";
    const booked = {
      ...view,
      ownerSlackId: "U0REPPRIYA",
      status: "CLAIMED" as const,
      bookingUrl: url,
    };
    const opener = (brief: { lines: [string, string, string]; opener: string; ai?: boolean }) =>
      sectionTexts(buildLeadCard(booked, { now, brief }).blocks)
        .find((t) => /\*(AI brief|Brief)\*/.test(t))
        ?.split("\n")
        .at(-1);
    const brief = buildDeterministicBrief(booked, now);
    expect(opener(brief)).toBe(
      `*Suggested opener:* “${safeMrkdwn(brief.opener)} If it is easier, pick a time that suits you here: <${url}>”`,
    );
    // A model that wrote the link itself: shown once, and its underscore intact.
    const ai = { ...brief, ai: true, opener: `Hi Dana, could we talk this week? ${url}` };
    expect(opener(ai)).toBe(
      `*Suggested opener:* “Hi Dana, could we talk this week? If it is easier, pick a time that suits you here: <${url}>”`,
    );
    expect(opener({ ...brief, opener: brief.opener })).not.toContain("priya\u2017");
    expect(JSON.stringify(buildLeadCard(view, { now, brief }).blocks)).not.toContain("calendly");
  });

  it("says which rules made the score cross the threshold", () => {
    const scored = buildLeadCard(
      callCenterLead({
        trigger: {
          kind: "score",
          score: 72,
          threshold: 60,
          top: ["Pricing page", "Call-center manager", "60+ seats"],
        },
        qualifiedAt: ago(3 * HOUR),
      }),
      { now },
    );
    expect(sectionTexts(scored.blocks)).toContain(
      ":zap: *Why now:* Score 72 crossed the threshold 60 3h ago: Pricing page ×3, Call-center manager, 60+ seats",
    );
  });

  it("falls back to the email's local part without a name, and leaves out what is unknown", () => {
    const bare = buildLeadCard(
      {
        id: LEAD_ID,
        number: 7,
        email: "j.doe@example.org",
        status: "QUALIFIED",
        teamMode: "claim",
        score: 0,
        activities: [],
      },
      { now },
    );
    expectWithinSlackLimits(bare);
    expect(bare.blocks[0]).toMatchObject({ type: "header", text: { text: "j.doe" } });
    expect(bare.blocks[1]).toEqual({
      type: "context",
      elements: [{ type: "plain_text", text: "L-7", emoji: false }],
    });
    expect(sectionTexts(bare.blocks)).toContain("*Last 90 days:* no recorded interactions.");
    expect(JSON.stringify(bare.blocks)).not.toContain("Why now");
    expect(JSON.stringify(bare.blocks)).toContain("Source: unknown");
  });
});

describe("buildLeadCard: a trade-show contact", () => {
  const card = buildLeadCard(tradeShowLead(), { now, timeZone: "Europe/Paris" });

  it("shows what they saw at the booth, who talked to them and that colleague's note", () => {
    expectWithinSlackLimits(card);
    expect(sectionTexts(card.blocks)).toContain(
      [
        ":handshake: *Met at Customer Contact Week Las Vegas* · 5d ago",
        "*They saw:* “AI routing cuts wait times 40%”",
        "*Talked to:* Maria Lopez",
        "> Runs 3 sites, 120 agents. Unhappy with their IVR.",
        "> Wants pricing for a Q1 pilot.",
        "> Follow up before Dec 15.",
      ].join("\n"),
    );
    // It comes before the timeline, which lists the scan too.
    const texts = sectionTexts(card.blocks);
    const event = texts.findIndex((t) => t.startsWith(":handshake:"));
    const timeline = texts.findIndex((t) => t.startsWith("*Last 90 days*"));
    expect(event).toBeGreaterThan(-1);
    expect(event).toBeLessThan(timeline);
    expect(texts[timeline]).toContain(
      "• 5d ago · :handshake: Met us at “Customer Contact Week Las Vegas”, talked to Maria Lopez",
    );
    expect(texts[timeline]).toContain(
      "• 2d ago · :page_facing_up: Viewed <https://baton.example/routing|“baton.example/routing”> ×2",
    );
  });

  it("says who claimed it and when, in each reader's time zone with a fallback in the team's", () => {
    const at = Math.floor(new Date("2026-11-20T10:42:00Z").getTime() / 1000);
    expect(sectionTexts(card.blocks)).toContain(
      `:raised_hand: *Claimed* by <@U0REP0001> <!date^${at}^{date_short_pretty} at {time}|Nov 20 at 11:42 CET> · not contacted yet`,
    );
    const utc = buildLeadCard(tradeShowLead({ touchCount: 2, lastTouchAt: ago(3 * HOUR) }), {
      now,
    });
    expect(sectionTexts(utc.blocks)).toContain(
      `:raised_hand: *Claimed* by <@U0REP0001> <!date^${at}^{date_short_pretty} at {time}|Nov 20 at 10:42 UTC> · 2 touches, last 3h ago`,
    );
  });

  it("offers the owner's buttons", () => {
    expect(buttonsOf(card).map((b) => [b.id, b.style])).toEqual([
      [ACTIONS.logTouch, "primary"],
      [ACTIONS.converted, undefined],
      [ACTIONS.release, undefined],
      [ACTIONS.disqualify, undefined],
      [ACTIONS.nurture, undefined],
      [ACTIONS.reassign, undefined],
    ]);
  });

  it("shows at most two event conversations, the most recent ones", () => {
    const scans: LeadActivityView[] = [1, 2, 3].map((n) => ({
      type: "event_scan",
      occurredAt: ago(n * 10 * DAY),
      eventName: `Expo ${n}`,
      colleague: `Colleague ${n}`,
    }));
    const busy = buildLeadCard(tradeShowLead({ activities: scans }), { now });
    const events = sectionTexts(busy.blocks).filter((t) => t.startsWith(":handshake:"));
    expect(events.map((t) => t.split("*")[1])).toEqual(["Met at Expo 1", "Met at Expo 2"]);
  });
});

describe("buildLeadCard: a lead with 200 activities", () => {
  const types = ["page_view", "pricing_page", "content_download", "email_open", "webinar_attended"];
  const activities: LeadActivityView[] = Array.from({ length: 200 }, (_, i) => ({
    type: types[i % types.length]!,
    occurredAt: ago(i * 10 * HOUR + 5 * MINUTE),
    // Long titles full of characters that grow when escaped, and long URLs.
    title: `#${i} ${"Q&A <ops> ".repeat(40)}`,
    eventName: `Webinar #${i}`,
    message: `Subject & more #${i}`,
    url: `https://baton.example/${"a".repeat(1900)}/${i}`,
  }));
  const view = callCenterLead({ activities });

  it("condenses the timeline to fit, says how many more and links the full timeline", () => {
    const card = buildLeadCard(view, {
      now,
      timelineUrl: "https://baton.example/leads/L-1042?tab=timeline&x=1",
      brief: buildDeterministicBrief(view, now),
    });
    expectWithinSlackLimits(card);
    const timeline = sectionTexts(card.blocks).find((t) => t.startsWith("*Last 90 days*"))!;
    expect(timeline.startsWith("*Last 90 days* · 200 interactions\n")).toBe(true);
    const lines = timeline.split("\n").slice(1);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.length).toBeLessThanOrEqual(15);
    // Most recent first.
    expect(lines[0]).toMatch(/^• 5m ago · /);
    expect(lines[0]).toContain("“#0 Q&amp;A &lt;ops&gt; Q&amp;A");
    // Over-long URLs are not linked: one link must not take the whole section.
    expect(timeline).not.toContain("<https://baton.example/aaa");
    const more = card.blocks.at(-3);
    expect(more).toEqual({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `…and ${200 - lines.length} more · <https://baton.example/leads/L-1042?tab=timeline&amp;x=1|See the full timeline>`,
          verbatim: true,
        },
      ],
    });
  });

  it("says how many more without a link when there is no (safe) timeline URL", () => {
    for (const timelineUrl of [undefined, "javascript:alert(1)", "not a url"]) {
      const card = buildLeadCard(view, { now, timelineUrl });
      const more = JSON.stringify(card.blocks);
      expect(more).toMatch(/…and \d+ more"/);
      expect(more).not.toContain("javascript");
    }
  });

  it("stays within limits with every field at its intake maximum", () => {
    const long = (n: number) => "&<>*_".repeat(Math.ceil(n / 5)).slice(0, n);
    const maxed = callCenterLead({
      firstName: long(100),
      lastName: long(100),
      title: long(200),
      company: long(200),
      industry: long(100),
      city: long(100),
      region: long(100),
      country: long(100),
      source: long(200),
      campaign: long(200),
      dispositionReason: long(2000),
      status: "DISQUALIFIED",
      scoreBreakdown: Array.from({ length: 30 }, (_, i) => ({
        kind: i % 2 ? ("fit" as const) : ("behavior" as const),
        label: long(200),
        points: i,
        count: i,
      })),
      trigger: { kind: "score", score: 90, threshold: 60, top: [long(200), long(200), long(200)] },
      activities: Array.from({ length: 1000 }, (_, i) => ({
        type: i % 3 ? "event_scan" : "demo_request",
        occurredAt: ago(i * HOUR),
        title: long(500),
        eventName: long(200),
        message: long(2000),
        colleague: long(200),
        colleagueNote: `${long(1000)}\n`.repeat(2),
        url: `https://baton.example/${i}`,
      })),
    });
    const card = buildLeadCard(maxed, {
      now,
      brief: buildDeterministicBrief(maxed, now),
      timelineUrl: "https://baton.example/t",
    });
    expectWithinSlackLimits(card);
  });
});

describe("buildLeadCard: status line and buttons", () => {
  const ids = (card: { blocks: KnownBlock[] }) => buttonsOf(card).map((b) => b.id);
  const status = (card: { blocks: KnownBlock[] }) => {
    const actions = card.blocks.findIndex((b) => b.type === "actions");
    const last = actions === -1 ? card.blocks.at(-1) : card.blocks[actions - 1];
    return last?.type === "section" ? last.text?.text : undefined;
  };
  const claimIds = [ACTIONS.claim, ACTIONS.disqualify, ACTIONS.nurture, ACTIONS.reassign];
  const ownerIds = [
    ACTIONS.logTouch,
    ACTIONS.converted,
    ACTIONS.release,
    ACTIONS.disqualify,
    ACTIONS.nurture,
    ACTIONS.reassign,
  ];
  const cases: {
    name: string;
    view: Partial<LeadCardView>;
    status: string;
    buttons: string[];
  }[] = [
    {
      name: "qualified, claim mode",
      view: { status: "QUALIFIED", teamMode: "claim" },
      status: ":hourglass_flowing_sand: *Waiting for a claim*",
      buttons: claimIds,
    },
    {
      name: "qualified, assign mode (not yet offered)",
      view: { status: "QUALIFIED", teamMode: "assign" },
      status: ":hourglass_flowing_sand: *Waiting to be offered to a rep*",
      buttons: [],
    },
    {
      name: "posted to the channel",
      view: { status: "OFFERED", teamMode: "claim" },
      status: ":hourglass_flowing_sand: *Waiting for a claim*",
      buttons: claimIds,
    },
    {
      name: "offered to one rep, assign mode",
      view: { status: "OFFERED", teamMode: "assign", offeredToSlackId: "U0REP0002" },
      status: ":point_right: *Offered to* <@U0REP0002>",
      buttons: [ACTIONS.accept, ACTIONS.pass],
    },
    {
      name: "offered to the account owner, claim mode",
      view: { status: "OFFERED", teamMode: "claim", offeredToSlackId: "U0REP0002" },
      status: ":point_right: *Offered to* <@U0REP0002>",
      buttons: [ACTIONS.accept, ACTIONS.pass],
    },
    {
      name: "assign mode with nobody available: posted to the team",
      view: { status: "OFFERED", teamMode: "assign", offeredToSlackId: null },
      status: ":hourglass_flowing_sand: *Waiting for a claim*",
      buttons: claimIds,
    },
    {
      name: "claimed",
      view: { status: "CLAIMED", ownerSlackId: "U0REP0001" },
      status: ":raised_hand: *Claimed* by <@U0REP0001> · not contacted yet",
      buttons: ownerIds,
    },
    {
      name: "working",
      view: {
        status: "WORKING",
        ownerSlackId: "U0REP0001",
        touchCount: 1,
        lastTouchAt: ago(2 * DAY),
      },
      status: ":raised_hand: *Claimed* by <@U0REP0001> · 1 touch, last 2d ago",
      buttons: ownerIds,
    },
    {
      name: "disqualified",
      view: { status: "DISQUALIFIED", dispositionReason: "Student, no budget" },
      status: ":no_entry_sign: *Disqualified*: Student, no budget",
      buttons: [],
    },
    {
      name: "back in nurture",
      view: { status: "NURTURE", dispositionReason: "Not before Q3" },
      status: ":seedling: *Back in nurture*: Not before Q3",
      buttons: [],
    },
    {
      name: "converted",
      view: { status: "CONVERTED", ownerSlackId: "U0REP0001" },
      status: ":trophy: *Converted* by <@U0REP0001>",
      buttons: [],
    },
    {
      name: "captured",
      view: { status: "CAPTURED" },
      status: ":inbox_tray: *Not qualified yet*",
      buttons: [],
    },
  ];

  it.each(cases)("$name", ({ view, status: expected, buttons }) => {
    const card = buildLeadCard(callCenterLead(view), { now });
    expectWithinSlackLimits(card);
    expect(status(card)).toBe(expected);
    expect(ids(card)).toEqual(buttons);
    const all = buttonsOf(card);
    expect(all.filter((b) => b.style === "primary").length).toBe(buttons.length ? 1 : 0);
    expect(all.every((b) => b.value === LEAD_ID)).toBe(true);
  });

  it("covers every status", () => {
    const statuses: LeadStatus[] = [
      "CAPTURED",
      "NURTURE",
      "QUALIFIED",
      "OFFERED",
      "CLAIMED",
      "WORKING",
      "CONVERTED",
      "DISQUALIFIED",
    ];
    expect(new Set(cases.map((c) => c.view.status))).toEqual(new Set(statuses));
  });

  it("never mentions a Slack id that is not one", () => {
    const card = buildLeadCard(
      callCenterLead({ status: "OFFERED", offeredToSlackId: "<!channel>", teamMode: "assign" }),
      { now },
    );
    expect(status(card)).toBe(":hourglass_flowing_sand: *Waiting for a claim*");
  });
});

describe("buildLeadCard: user text pings, links and formats nothing", () => {
  const EVIL =
    "<!channel> <!here|here> <@U0EVIL01> <#C0EVIL01|general> <http://evil.example|click> " +
    "<!subteam^S0EVIL01|@team> <!date^1^{date}|x> *bold* _it_ ~strike~ `code` ```block``` " +
    "&lt;already&gt; &amp; @here #general https://evil.example/bare\n> quoted\n* bullet";
  const evilActivity = (type: string, i: number): LeadActivityView => ({
    type,
    occurredAt: ago((i + 1) * HOUR),
    url: i % 2 ? "javascript:alert(document.cookie)" : "https://baton.example/page?q=<!channel>",
    title: EVIL,
    eventName: EVIL,
    message: EVIL,
    colleague: EVIL,
    colleagueNote: `${EVIL}\n${EVIL}`,
  });
  const types = [
    "demo_request",
    "contact_sales",
    "form_submit",
    "pricing_page",
    "page_view",
    "content_download",
    "webinar_registered",
    "webinar_attended",
    "event_scan",
    "email_open",
    "email_click",
    "meeting",
    "call",
    "custom",
    EVIL,
  ];
  const view = (overrides: Partial<LeadCardView>): LeadCardView =>
    callCenterLead({
      email: `${EVIL.replace(/\s/g, "")}@evil.example`,
      firstName: EVIL,
      lastName: EVIL,
      title: EVIL,
      company: EVIL,
      industry: EVIL,
      city: EVIL,
      region: EVIL,
      country: EVIL,
      linkedinUrl: "javascript:alert(1)//<http://evil.example|x>",
      website: "https://evil.example/<!channel>|<@U0EVIL01>*x*",
      source: EVIL,
      campaign: EVIL,
      dispositionReason: EVIL,
      scoreBreakdown: [
        { kind: "fit", label: EVIL, points: 10 },
        { kind: "behavior", label: EVIL, points: 5, count: 2 },
      ],
      activities: types.map(evilActivity),
      ...overrides,
    });
  const variants: { name: string; view: LeadCardView }[] = [
    {
      name: "hand-raise of an unknown type",
      view: view({ trigger: { kind: "hand_raise", activityType: EVIL, score: 1 } }),
    },
    { name: "demo request", view: view({}) },
    {
      name: "score trigger",
      view: view({ trigger: { kind: "score", score: 1, threshold: 0, top: [EVIL] } }),
    },
    { name: "disqualified", view: view({ status: "DISQUALIFIED" }) },
    { name: "nurture", view: view({ status: "NURTURE" }) },
    {
      name: "no name",
      view: view({
        firstName: null,
        lastName: null,
        ownerSlackId: EVIL,
        status: "CLAIMED",
        claimedAt: ago(HOUR),
      }),
    },
  ];

  // The only <…> sequences allowed: our links to http(s) URLs, our date tokens, real mentions.
  const ALLOWED = [
    /^<https?:\/\/[^\s<>|]+\|[^<>]*>$/,
    /^<!date\^\d+\^\{date_short_pretty\} at \{time\}\|[^<>|]*>$/,
    /^<@U0REP\d+>$/,
  ];

  it.each(variants)("$name", ({ view }) => {
    const card = buildLeadCard(view, {
      now,
      brief: buildDeterministicBrief(view, now),
      timelineUrl: "https://baton.example/leads/L-1042",
    });
    expectWithinSlackLimits(card);
    const serialized = JSON.stringify(card);
    for (const needle of [
      "<!channel",
      "<!here",
      "<!subteam",
      "<!date^1^",
      "<@U0EVIL",
      "<#C0EVIL",
      "<http://evil",
      "evil.example|click>",
      "javascript:",
    ]) {
      expect(serialized).not.toContain(needle);
    }

    for (const { type, text, where } of [
      ...textObjects(card.blocks),
      { type: "mrkdwn", text: card.text, where: "text" },
    ]) {
      let rest = text;
      if (type === "mrkdwn") {
        for (const token of text.match(/<[^<>]*>/g) ?? []) {
          expect(
            ALLOWED.some((re) => re.test(token)),
            `${where}: ${token}`,
          ).toBe(true);
          // The URL part of a link is never user text posing as one.
          expect(token.split("|")[0], where).not.toMatch(/javascript|evil\.example$/);
          rest = rest.replace(token, "");
        }
        // Formatting from user text is neutralized; ours (*Why now:*) has no user text inside.
        for (const format of ["*bold*", "_it_", "~strike~", "`code`", "```"]) {
          expect(rest, where).not.toContain(format);
        }
        expect(rest, where).not.toMatch(/^\s*&gt;/m);
        // Our own quote marker for colleague notes.
        rest = rest.replace(/^> /gm, "");
      }
      // No raw angle bracket from user text anywhere, plain_text included.
      expect(rest, where).not.toMatch(/[<>]/);
      // Every & starts an entity we wrote: user text's "&lt;" shows as typed.
      expect(rest.replace(/&(amp|lt|gt);/g, ""), where).not.toContain("&");
      expect(rest, where).not.toContain("&lt;already");
    }
  });

  it("neutralizes formatting in mrkdwn with look-alikes and keeps plain_text exact", () => {
    const card = buildLeadCard(variants[0]!.view, { now });
    const details = card.blocks[1]!;
    const facts = details.type === "context" ? details.elements[0] : undefined;
    expect(facts?.type).toBe("plain_text");
    expect(facts && "text" in facts && facts.text).toContain("*bold* _it_ ~strike~ `code`");
    expect(facts && "text" in facts && facts.text).toContain("&lt;!channel&gt;");
    const event = sectionTexts(card.blocks).find((t) => t.startsWith(":handshake:"))!;
    expect(event).toContain("∗bold∗ ˍitˍ ∼strike∼ ˋcodeˋ ˋˋˋblockˋˋˋ");
    expect(event).toContain("&lt;!channel&gt; &lt;!here|here&gt; &lt;@U0EVIL01&gt;");
    expect(event).toContain("&amp;lt;already&amp;gt;");
    // A quote marker in a note cannot start a quote of its own; a bullet is not a list.
    expect(event).toContain("\n> › quoted\n> ∗ bullet");
  });

  it("links only http(s) URLs: a javascript: LinkedIn URL is dropped", () => {
    const card = buildLeadCard(variants[1]!.view, { now });
    const links = card.blocks[1]!.type === "context" ? card.blocks[1].elements[1] : undefined;
    expect(links).toEqual({
      type: "mrkdwn",
      text: "<https://evil.example/%3C!channel%3E%7C%3C@U0EVIL01%3E*x*|evil.example/%3C!channel%3E%7C%3C@U0EVIL01%3E∗x∗>",
      verbatim: true,
    });
    expect(JSON.stringify(card)).not.toContain("LinkedIn");
    // Activity URLs: the javascript: ones are shown as nothing, the https one is linked.
    const timeline = sectionTexts(card.blocks).find((t) => t.startsWith("*Last 90 days*"))!;
    expect(timeline).toContain("<https://baton.example/page?q=%3C!channel%3E|");
  });
});

describe("text helpers for user strings in mrkdwn", () => {
  it("neutralizes formatting characters and a leading quote marker", () => {
    expect(neutralizeMrkdwn("*a* _b_ ~c~ `d` ＊e＊ ＿f＿")).toBe("∗a∗ ˍbˍ ∼c∼ ˋdˋ ﹡e﹡ ⸏f⸏");
    expect(neutralizeMrkdwn("> quoted\n  > again\nnot > this")).toBe(
      "› quoted\n  › again\nnot > this",
    );
    expect(safeMrkdwn("*<!channel>*")).toBe("∗&lt;!channel&gt;∗");
  });

  it("accepts only absolute http(s) URLs and keeps | out of them", () => {
    expect(httpUrl("https://acme.com/a|b")).toBe("https://acme.com/a%7Cb");
    expect(httpUrl(" http://acme.com ")).toBe("http://acme.com/");
    for (const bad of [
      "javascript:alert(1)",
      "data:text/html,x",
      "acme.com",
      "",
      null,
      "ftp://x.y",
    ]) {
      expect(httpUrl(bad)).toBeUndefined();
    }
  });
});

describe("relativeTime", () => {
  it.each([
    [0, "just now"],
    [59 * 1000, "just now"],
    [-5 * MINUTE, "just now"],
    [5 * MINUTE, "5m ago"],
    [59 * MINUTE, "59m ago"],
    [3 * HOUR, "3h ago"],
    [23 * HOUR, "23h ago"],
    [2 * DAY, "2d ago"],
    [6 * DAY + 23 * HOUR, "6d ago"],
    [17 * DAY, "Nov 3"],
    [330 * DAY, "Dec 25, 2025"],
  ])("%d ms ago reads %s", (age, expected) => {
    expect(relativeTime(ago(age), now)).toBe(expected);
  });

  it("gives the date in the given time zone", () => {
    const late = new Date("2026-11-03T23:30:00Z");
    expect(relativeTime(late, now, "America/Los_Angeles")).toBe("Nov 3");
    expect(relativeTime(late, now, "Asia/Tokyo")).toBe("Nov 4");
  });
});

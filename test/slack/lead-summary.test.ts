import { describe, expect, it } from "vitest";
import { type LeadActivityView, strongestActivity } from "#src/read-models/lead-activity.ts";
import type { LeadCardView } from "#src/read-models/lead-card.ts";
import { activityPhrase, buildDeterministicBrief } from "#src/slack/blocks/lead-summary.ts";

const now = new Date("2026-11-20T15:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(now.getTime() - ms);

function lead(overrides: Partial<LeadCardView> = {}): LeadCardView {
  return {
    id: "0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
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
    activities: [
      { type: "pricing_page", occurredAt: ago(26 * HOUR), title: "Pricing — Baton" },
      { type: "demo_request", occurredAt: ago(2 * HOUR), message: "Demo for 80 agents" },
      { type: "pricing_page", occurredAt: ago(27 * HOUR), title: "Pricing — Baton" },
      { type: "pricing_page", occurredAt: ago(3 * DAY), title: "Pricing — Baton" },
      { type: "content_download", occurredAt: ago(10 * DAY), title: "Call Center Staffing Guide" },
      { type: "email_click", occurredAt: ago(25 * DAY), message: "Cut hold times by 40%" },
      { type: "page_view", occurredAt: ago(100 * DAY), title: "Home" },
    ],
    ...overrides,
  };
}

const boothScan: LeadActivityView = {
  type: "event_scan",
  occurredAt: ago(5 * DAY),
  eventName: "Customer Contact Week",
  message: "AI routing cuts wait times 40%",
  colleague: "Maria Lopez",
  colleagueNote: "Runs 3 sites, 120 agents.\nWants pricing for a Q1 pilot.",
};

describe("buildDeterministicBrief", () => {
  it("sums up a call-center director who asked for a demo", () => {
    expect(buildDeterministicBrief(lead(), now)).toEqual({
      lines: [
        "Dana Reyes, Director of Customer Support at Acme Contact Centers (250 employees, Call centers, Austin, Texas, US). Fit +35: Call-center manager, 60+ seats.",
        "Requested a demo 2h ago: “Demo for 80 agents”; 6 interactions in 90 days, also Pricing page ×3.",
        "From google_ads, campaign q4-callcenter-ai; last saw “Cut hold times by 40%”.",
      ],
      opener:
        "Hi Dana, thanks for asking for a demo (“Demo for 80 agents”). Would a 20-minute walkthrough this week work for Acme Contact Centers?",
    });
  });

  it("tells what a trade-show contact saw and who talked to them", () => {
    const brief = buildDeterministicBrief(
      lead({
        firstName: "Kwame",
        lastName: "Osei",
        title: "Head of Customer Operations",
        company: "Northwind Support",
        companySize: 120,
        industry: "BPO",
        city: "Las Vegas",
        region: "NV",
        source: "trade_show",
        campaign: "ccw-2026",
        scoreBreakdown: [{ kind: "behavior", label: "Event scan", points: 20, count: 1 }],
        fitScore: 0,
        activities: [
          boothScan,
          { type: "page_view", occurredAt: ago(2 * DAY), url: "https://baton.example/routing" },
        ],
      }),
      now,
    );
    expect(brief.lines[0]).toBe(
      "Kwame Osei, Head of Customer Operations at Northwind Support (120 employees, BPO, Las Vegas, NV, US). No fit rule matched.",
    );
    expect(brief.lines[1]).toBe(
      "Met us at “Customer Contact Week” 5d ago; 2 interactions in 90 days.",
    );
    expect(brief.lines[2]).toBe(
      "From trade_show, campaign ccw-2026; at Customer Contact Week (5d ago) they saw “AI routing cuts wait times 40%” and talked to Maria Lopez: “Runs 3 sites, 120 agents. Wants pricing for a Q1 pilot.”",
    );
    expect(brief.opener).toBe(
      "Hi Kwame, Maria Lopez enjoyed talking with you at “Customer Contact Week” and passed me your notes. Shall we pick up where you left off?",
    );
  });

  it("handles a lead with nothing but an email", () => {
    const brief = buildDeterministicBrief(
      {
        id: "x",
        number: 1,
        email: "j.doe@example.org",
        status: "QUALIFIED",
        teamMode: "claim",
        score: 0,
        activities: [],
      },
      now,
    );
    expect(brief).toEqual({
      lines: [
        "j.doe. No fit rule matched.",
        "No interactions in the last 90 days; score 0.",
        "Source unknown.",
      ],
      opener: "Hi j.doe, I would love to learn what you are working on and whether we can help.",
    });
  });

  it("is deterministic: the same lead gives the same brief, whatever the activities' order", () => {
    const view = lead({ activities: [...lead().activities, boothScan] });
    const reversed = lead({ activities: [...view.activities].reverse() });
    const brief = buildDeterministicBrief(view, now);
    expect(buildDeterministicBrief(view, now)).toEqual(brief);
    expect(buildDeterministicBrief(reversed, now)).toEqual(brief);
  });

  it("keeps each line short, whatever the lead sent", () => {
    const long = "x".repeat(2000);
    const brief = buildDeterministicBrief(
      lead({
        firstName: long,
        title: long,
        company: long,
        industry: long,
        source: long,
        campaign: long,
        activities: [{ ...boothScan, eventName: long, message: long, colleagueNote: long }],
      }),
      now,
    );
    for (const line of [...brief.lines, brief.opener]) {
      expect(line.length).toBeLessThanOrEqual(280);
      expect(line).not.toContain("\n");
    }
  });
});

describe("strongestActivity", () => {
  it("prefers intent, halved for every 30 days of age", () => {
    const demo: LeadActivityView = { type: "demo_request", occurredAt: ago(80 * DAY) };
    const pricing: LeadActivityView = { type: "pricing_page", occurredAt: ago(DAY) };
    const view: LeadActivityView[] = [demo, pricing];
    expect(strongestActivity(view, now)).toBe(pricing);
    const freshDemo: LeadActivityView = { type: "demo_request", occurredAt: ago(3 * DAY) };
    expect(strongestActivity([...view, freshDemo], now)).toBe(freshDemo);
  });

  it("picks the most recent of equals and ignores what is older than 90 days", () => {
    const older: LeadActivityView = { type: "page_view", occurredAt: ago(2 * DAY) };
    const newer: LeadActivityView = { type: "page_view", occurredAt: ago(DAY) };
    expect(strongestActivity([older, newer], now)).toBe(newer);
    expect(strongestActivity([{ type: "demo_request", occurredAt: ago(91 * DAY) }], now)).toBe(
      undefined,
    );
  });

  it("opens with the strongest recent interaction", () => {
    const opener = (activities: LeadActivityView[]) =>
      buildDeterministicBrief(lead({ activities }), now).opener;
    expect(opener([{ type: "pricing_page", occurredAt: ago(HOUR) }])).toBe(
      "Hi Dana, I saw you were looking at our pricing. Happy to help you work out which plan fits Acme Contact Centers: how many seats are you thinking of?",
    );
    expect(
      opener([
        { type: "webinar_attended", occurredAt: ago(DAY), eventName: "AI routing for support" },
        { type: "page_view", occurredAt: ago(HOUR), title: "Blog" },
      ]),
    ).toBe(
      "Hi Dana, thanks for joining “AI routing for support”. What did you make of it, and does it match what you are working on?",
    );
    expect(
      opener([{ type: "content_download", occurredAt: ago(DAY), title: "Staffing Guide" }]),
    ).toBe(
      "Hi Dana, I saw you downloaded “Staffing Guide”. Was it useful for what you are working on?",
    );
    expect(opener([{ ...boothScan, colleague: null }])).toBe(
      "Hi Dana, thanks for stopping by our booth at “Customer Contact Week”. What caught your eye?",
    );
  });
});

describe("activityPhrase", () => {
  it("quotes what a lead wrote after the time, and names what they saw before it", () => {
    expect(
      activityPhrase(
        { type: "contact_sales", occurredAt: now, message: "Need 80 seats" },
        "1h ago",
      ),
    ).toBe("Contacted sales 1h ago: “Need 80 seats”");
    expect(
      activityPhrase(
        { type: "webinar_registered", occurredAt: now, eventName: "Routing 101" },
        "2d ago",
      ),
    ).toBe("Registered for the webinar “Routing 101” 2d ago");
    expect(
      activityPhrase({ type: "page_view", occurredAt: now, url: "https://www.acme.com/a" }),
    ).toBe("Viewed “acme.com/a”");
    expect(activityPhrase({ type: "event_scan", occurredAt: now })).toBe("Met us at an event");
    expect(activityPhrase({ type: "webhook_custom_thing", occurredAt: now })).toBe(
      "Webhook custom thing",
    );
  });
});

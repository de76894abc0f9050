import { describe, expect, it } from "vitest";
import { matchesWhen } from "#src/domain/conditions.ts";
import { scoreLead } from "#src/domain/scoring.ts";
import { parsePlaybook } from "#src/playbook/load-playbook.ts";
import type { Scoring } from "#src/playbook/schema.ts";

const DAY = 86_400_000;
const now = new Date("2026-11-20T12:00:00Z");
const ago = (days: number) => new Date(now.getTime() - days * DAY);

const model: Scoring = {
  threshold: 60,
  handRaises: ["demo_request", "contact_sales"],
  fit: [
    {
      name: "Call-center manager",
      when: [
        { field: "title", matches: "call ?cent(er|re)" },
        { field: "title", matches: "manager|head|director" },
      ],
      points: 25,
    },
    { name: "60+ seats", when: [{ field: "companySize", gte: 60 }], points: 15 },
    {
      name: "Free email",
      when: { any: [{ field: "emailDomain", in: ["gmail.com"] }] },
      points: -20,
    },
  ],
  behavior: {
    weights: { pricing_page: 10, page_view: 1 },
    halfLife: 30 * DAY,
    window: 90 * DAY,
    capPerType: 30,
  },
};

describe("scoreLead", () => {
  it("adds fit rules that hold and says which", () => {
    const score = scoreLead(
      { title: "Call Center Manager", companySize: 80, emailDomain: "acme.io" },
      [],
      model,
      now,
    );
    expect(score).toMatchObject({ total: 40, fit: 40, behavior: 0 });
    expect(score.breakdown.map((l) => `${l.label} ${l.points}`)).toEqual([
      "Call-center manager 25",
      "60+ seats 15",
    ]);
  });

  it("weighs behaviour by type and halves it every half-life", () => {
    const score = scoreLead(
      {},
      [
        { type: "pricing_page", occurredAt: now },
        { type: "pricing_page", occurredAt: ago(30) },
        { type: "page_view", occurredAt: ago(1) },
      ],
      model,
      now,
    );
    // 10 + 5 for pricing, ~0.98 for the page view.
    expect(score.breakdown).toEqual([
      { kind: "behavior", label: "Pricing page", points: 15, count: 2 },
      { kind: "behavior", label: "Page view", points: 1, count: 1 },
    ]);
    expect(score.total).toBe(16);
  });

  it("ignores activities older than the window and caps each type", () => {
    const many = Array.from({ length: 10 }, () => ({ type: "pricing_page", occurredAt: now }));
    const score = scoreLead(
      {},
      [...many, { type: "pricing_page", occurredAt: ago(91) }],
      model,
      now,
    );
    expect(score.behavior).toBe(30);
    expect(score.breakdown[0]?.count).toBe(10);
  });

  it("reports the latest hand-raise in the window", () => {
    const score = scoreLead(
      {},
      [
        { type: "contact_sales", occurredAt: ago(3) },
        { type: "demo_request", occurredAt: ago(1) },
        { type: "demo_request", occurredAt: ago(120) },
      ],
      model,
      now,
    );
    expect(score.handRaise).toBe("demo_request");
    expect(
      scoreLead({}, [{ type: "demo_request", occurredAt: ago(120) }], model, now).handRaise,
    ).toBeUndefined();
  });

  it("scores the example playbook's call-center manager with 60+ seats and pricing visits as qualified", () => {
    const example = parsePlaybook(`version: 1
marketing: { channel: C0MKT00001 }
teams: [{ key: t, name: T, channel: C0T0000001, managers: [U0M0000001], reps: [{ user: U0R0000001 }] }]
routing: { default: t }
scoring:
  threshold: 60
  fit:
    - name: Call-center manager
      when: [{ field: title, matches: "(call|contact) ?cent(er|re)" }, { field: title, matches: "manager|head" }]
      points: 25
    - { name: 60+ seats, when: [{ field: companySize, gte: 60 }], points: 15 }
  behavior: { weights: { pricing_page: 10 } }
sla: { default: s, policies: { s: { offered: { remind: 1m, escalate: 2m, reassign: 3m }, claimed: { nudge: 1m, escalate: 2m, release: 3m }, working: { followUp: 1d } } } }
reasons: { disqualify: [{ key: a, label: A }], nurture: [{ key: b, label: B }] }
`);
    const score = scoreLead(
      { title: "Head of Contact Centre", companySize: 120 },
      [
        { type: "pricing_page", occurredAt: ago(0) },
        { type: "pricing_page", occurredAt: ago(0) },
      ],
      example.scoring,
      now,
    );
    expect(score.total).toBeGreaterThanOrEqual(example.scoring.threshold);
  });
});

describe("conditions", () => {
  const lead = {
    country: "US",
    companySize: 75,
    title: "VP Sales",
    attributes: { plan: "enterprise", seats: "120" },
  };
  it("compares text without case and numbers across types", () => {
    expect(matchesWhen(lead, [{ field: "country", in: ["us", "ca"] }])).toBe(true);
    expect(matchesWhen(lead, [{ field: "attributes.seats", gte: 100 }])).toBe(true);
    expect(matchesWhen(lead, [{ field: "attributes.plan", equals: "Enterprise" }])).toBe(true);
    expect(matchesWhen(lead, [{ field: "companySize", equals: "75" }])).toBe(true);
  });
  it("treats a missing field as failing every test but exists: false and notIn", () => {
    expect(matchesWhen(lead, [{ field: "industry", gte: 0 }])).toBe(false);
    expect(matchesWhen(lead, [{ field: "industry", contains: "" }])).toBe(false);
    expect(matchesWhen(lead, [{ field: "industry", exists: false }])).toBe(true);
    expect(matchesWhen(lead, [{ field: "industry", notIn: ["Retail"] }])).toBe(true);
  });
  it("needs all conditions of a list, one of any", () => {
    expect(
      matchesWhen(lead, [
        { field: "country", equals: "US" },
        { field: "companySize", gte: 100 },
      ]),
    ).toBe(false);
    expect(
      matchesWhen(lead, {
        any: [
          { field: "country", equals: "DE" },
          { field: "title", contains: ["vp", "chief"] },
        ],
      }),
    ).toBe(true);
  });
});

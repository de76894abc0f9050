// The capture decision, pure: what a request does to a lead as stored.
import { describe, expect, it } from "vitest";
import {
  type CaptureFacts,
  companyDomainOf,
  decideCapture,
  leadFields,
  NEW_LEAD,
} from "#src/domain/capture.ts";
import type { Scoring } from "#src/playbook/schema.ts";

const DAY = 86_400_000;
const now = new Date("2026-11-20T15:00:00Z");
const scoring: Scoring = {
  threshold: 40,
  handRaises: ["demo_request"],
  fit: [{ name: "60+ seats", when: [{ field: "companySize", gte: 60 }], points: 20 }],
  behavior: { weights: { pricing_page: 10, page_view: 1 }, halfLife: 30 * DAY, window: 90 * DAY },
};
const demo = { type: "demo_request", occurredAt: now };
const pricing = { type: "pricing_page", occurredAt: now };

function decide(facts: Partial<CaptureFacts> & Pick<CaptureFacts, "request">) {
  return decideCapture(
    {
      lead: NEW_LEAD,
      created: true,
      fields: leadFields(facts.request),
      scored: [...(facts.request.activities ?? [])],
      added: facts.request.activities?.length ?? 0,
      ...facts,
    },
    { scoring, now },
  );
}

describe("decideCapture", () => {
  it("puts a new lead below the threshold in nurture, and tells sales nothing", () => {
    const decision = decide({ request: { email: "ana@acme.io", companySize: 80 } });
    expect(decision).toMatchObject({
      status: "NURTURE",
      qualified: false,
      nurtured: true,
      news: null,
      trigger: null,
    });
    expect(decision.score).toMatchObject({ total: 20, fit: 20, behavior: 0 });
    expect(decision.events.map((e) => [e.type, e.fromStatus, e.toStatus, e.reason])).toEqual([
      ["captured", null, "CAPTURED", null],
      ["nurtured", "CAPTURED", "NURTURE", "score 20 is below the threshold 40"],
    ]);
  });

  it("qualifies on a hand-raise this capture stored, and hands the lead off", () => {
    const decision = decide({ request: { email: "ana@acme.io", activities: [demo] } });
    expect(decision).toMatchObject({
      status: "QUALIFIED",
      qualified: true,
      news: "handoff",
      trigger: { kind: "hand_raise", activityType: "demo_request" },
    });
    expect(decision.events[1]).toMatchObject({
      type: "qualified",
      reason: "hand-raise: demo_request",
    });
  });

  it("does not qualify on a hand-raise that was stored before (a retried request)", () => {
    const decision = decide({
      lead: { status: "NURTURE", resurfaceAt: null, attributes: {} },
      created: false,
      request: { email: "ana@acme.io", activities: [demo] },
      added: 0,
    });
    expect(decision).toMatchObject({ status: "NURTURE", qualified: false, news: null });
    expect(decision.events).toEqual([
      expect.objectContaining({
        type: "merged",
        toStatus: null,
        data: { activitiesAdded: 0, activitiesDuplicate: 1, source: null, campaign: null },
      }),
    ]);
  });

  it("qualifies on the score with its top reasons, unless sales asked the lead to rest", () => {
    const request = { email: "ana@acme.io", companySize: 80, activities: [pricing, pricing] };
    expect(decide({ request })).toMatchObject({
      status: "QUALIFIED",
      trigger: { kind: "score", score: 40, threshold: 40, top: ["60+ seats", "Pricing page"] },
    });
    const resting = decide({
      lead: { status: "NURTURE", resurfaceAt: new Date(now.getTime() + DAY), attributes: {} },
      created: false,
      request,
    });
    expect(resting).toMatchObject({
      status: "NURTURE",
      qualified: false,
      events: [{ type: "merged" }],
    });
  });

  it("tells the owner of a lead with sales about new activity, without moving it", () => {
    const decision = decide({
      lead: { status: "CLAIMED", resurfaceAt: null, attributes: {} },
      created: false,
      request: { email: "ana@acme.io", activities: [pricing, demo] },
      added: 1,
    });
    expect(decision).toMatchObject({
      status: "CLAIMED",
      qualified: false,
      news: "activity",
      activitiesAdded: 1,
      activitiesDuplicate: 1,
    });
  });
});

describe("the fields a request sets", () => {
  it("splits a full name, and leaves absent fields out", () => {
    expect(leadFields({ email: "a@b.io", name: "Ana María López", title: "CTO" })).toEqual({
      firstName: "Ana",
      lastName: "María López",
      title: "CTO",
    });
  });

  it("takes the company's domain from the email, but not a mailbox provider's", () => {
    expect(companyDomainOf({ email: "ana@acme.io" })).toBe("acme.io");
    expect(companyDomainOf({ email: "ana@gmail.com" })).toBeUndefined();
    expect(companyDomainOf({ email: "ana@gmail.com", companyDomain: "acme.io" })).toBe("acme.io");
  });
});

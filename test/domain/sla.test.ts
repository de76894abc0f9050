import { describe, expect, it } from "vitest";
import { nextSlaStep, type SlaLead, slaSteps } from "#src/domain/sla.ts";
import type { SlaPolicy } from "#src/playbook/schema.ts";

const M = 60_000;
const H = 60 * M;
const policy: SlaPolicy = {
  offered: { remind: 15 * M, escalate: H, reassign: 4 * H },
  claimed: { nudge: 4 * H, escalate: 8 * H, release: 16 * H },
  working: { followUp: 24 * H },
  offerTimeout: 30 * M,
  minTouches: 5,
};
const calendar = {
  hours: {
    days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[],
    start: "09:00",
    end: "17:00",
    holidays: [],
  },
  timeZone: "UTC",
};
const base: SlaLead = {
  status: "OFFERED",
  offeredToOne: false,
  offeredAt: new Date("2026-11-20T16:30:00Z"),
  claimedAt: null,
  lastTouchAt: null,
  touchCount: 0,
};
const iso = (steps: { stage: string; dueAt: Date }[]) =>
  steps.map((s) => [s.stage, s.dueAt.toISOString()]);

describe("SLA steps", () => {
  it("chases an unclaimed lead in business hours: remind, escalate, reassign", () => {
    // Offered Friday 16:30: 30 business minutes remain that day.
    expect(iso(slaSteps(base, policy, calendar))).toEqual([
      ["offered.remind", "2026-11-20T16:45:00.000Z"],
      ["offered.escalate", "2026-11-23T09:30:00.000Z"],
      ["offered.reassign", "2026-11-23T12:30:00.000Z"],
    ]);
  });

  it("adds the offer timeout when one rep was offered the lead", () => {
    expect(slaSteps({ ...base, offeredToOne: true }, policy, calendar)[1]).toEqual({
      stage: "offered.timeout",
      dueAt: new Date("2026-11-20T17:00:00.000Z"),
    });
  });

  it("nudges, escalates and releases a claimed lead nobody touches", () => {
    const claimed = {
      ...base,
      status: "CLAIMED" as const,
      claimedAt: new Date("2026-11-23T09:00:00Z"),
    };
    expect(iso(slaSteps(claimed, policy, calendar))).toEqual([
      ["claimed.nudge", "2026-11-23T13:00:00.000Z"],
      ["claimed.escalate", "2026-11-23T17:00:00.000Z"],
      ["claimed.release", "2026-11-24T17:00:00.000Z"],
    ]);
  });

  it("asks for a follow-up after each touch, once per touch", () => {
    const working = {
      ...base,
      status: "WORKING" as const,
      lastTouchAt: new Date("2026-11-23T10:00:00Z"),
      touchCount: 2,
    };
    // A day is a working day: touched Monday 10:00, followUp 1d is Tuesday 10:00. Then the
    // manager (by default at twice the follow-up wait); no release unless the policy sets one.
    expect(iso(slaSteps(working, policy, calendar))).toEqual([
      ["working.followup.2", "2026-11-24T10:00:00.000Z"],
      ["working.escalate.2", "2026-11-25T10:00:00.000Z"],
    ]);
    expect(nextSlaStep(working, policy, calendar, new Set(["working.followup.2"]))?.stage).toBe(
      "working.escalate.2",
    );
    expect(
      nextSlaStep(working, policy, calendar, new Set(["working.followup.2", "working.escalate.2"])),
    ).toBeUndefined();
    const releasing = { ...policy, working: { ...policy.working, release: 72 * H } };
    expect(iso(slaSteps(working, releasing, calendar)).at(-1)).toEqual([
      "working.release.2",
      "2026-11-26T10:00:00.000Z",
    ]);
    expect(
      nextSlaStep({ ...working, touchCount: 3 }, policy, calendar, new Set(["working.followup.2"]))
        ?.stage,
    ).toBe("working.followup.3");
  });

  it("keeps chasing a lead still unclaimed after every step, each reassign interval", () => {
    const done = new Set(["offered.remind", "offered.escalate", "offered.reassign"]);
    // Offered Friday 16:30, reassign after 4 business hours: again at 8 and 12.
    expect(nextSlaStep(base, policy, calendar, done)).toEqual({
      stage: "offered.realert.1",
      dueAt: new Date("2026-11-23T16:30:00.000Z"),
    });
    done.add("offered.realert.1");
    expect(nextSlaStep(base, policy, calendar, done)).toEqual({
      stage: "offered.realert.2",
      dueAt: new Date("2026-11-24T12:30:00.000Z"),
    });
    // Claimed in the meantime: no more alerts about an unclaimed lead.
    const claimed = { ...base, status: "CLAIMED" as const, claimedAt: base.offeredAt };
    expect(nextSlaStep(claimed, policy, calendar, done)?.stage).toBe("claimed.nudge");
  });

  it("skips steps already done and stops for closed leads", () => {
    expect(nextSlaStep(base, policy, calendar, new Set(["offered.remind"]))?.stage).toBe(
      "offered.escalate",
    );
    expect(slaSteps({ ...base, status: "CONVERTED" }, policy, calendar)).toEqual([]);
  });
});

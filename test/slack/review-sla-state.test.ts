import { describe, expect, it } from "vitest";
import { slaState } from "#src/slack/blocks/review.ts";

const now = new Date("2026-11-24T15:00:00Z");
const later = new Date("2026-11-25T15:00:00Z");

describe("a lead's SLA state in /leads review", () => {
  it("reads the next pending step: due once a reminder went out, breached once the manager was alerted", () => {
    expect(slaState({ slaStage: "claimed.nudge", slaDueAt: later }, now)).toBe("on track");
    expect(slaState({ slaStage: "claimed.nudge", slaDueAt: now }, now)).toBe("due");
    expect(slaState({ slaStage: "claimed.escalate", slaDueAt: later }, now)).toBe("due");
    expect(slaState({ slaStage: "claimed.release", slaDueAt: later }, now)).toBe("breached");
    // A worked lead gone quiet: the follow-up nudge went out, then the ghost alert.
    expect(slaState({ slaStage: "working.followup.3", slaDueAt: later }, now)).toBe("on track");
    expect(slaState({ slaStage: "working.escalate.3", slaDueAt: later }, now)).toBe("due");
    expect(slaState({ slaStage: "working.release.3", slaDueAt: later }, now)).toBe("breached");
    expect(slaState({ slaStage: "offered.realert.2", slaDueAt: later }, now)).toBe("breached");
  });
});

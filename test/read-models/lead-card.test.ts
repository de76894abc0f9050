import { describe, expect, it } from "vitest";
import { parseScoreBreakdown, parseTrigger } from "#src/read-models/lead-card.ts";

describe("parseTrigger and parseScoreBreakdown", () => {
  it("reads what capture stores and ignores anything else", () => {
    expect(parseTrigger({ kind: "hand_raise", activityType: "demo_request", score: 80 })).toEqual({
      kind: "hand_raise",
      activityType: "demo_request",
      score: 80,
    });
    expect(parseTrigger({ kind: "score", score: 70, threshold: 60, top: ["A", 3, "B"] })).toEqual({
      kind: "score",
      score: 70,
      threshold: 60,
      top: ["A", "B"],
    });
    for (const bad of [null, "x", [], { kind: "other" }, { kind: "score", score: "70" }]) {
      expect(parseTrigger(bad)).toBeNull();
    }
    expect(
      parseScoreBreakdown([
        { kind: "fit", label: "A", points: 5 },
        { kind: "behavior", label: "B", points: 3, count: 2 },
        { kind: "fit", label: 1, points: 5 },
        null,
      ]),
    ).toEqual([
      { kind: "fit", label: "A", points: 5 },
      { kind: "behavior", label: "B", points: 3, count: 2 },
    ]);
    expect(parseScoreBreakdown({})).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { AppError } from "#src/errors.ts";
import {
  breakdownTable,
  codeBlock,
  formatDuration,
  formatRate,
} from "#src/slack/blocks/metrics-format.ts";
import { parseStatsArgs } from "#src/slack/listeners/commands/leads/stats.ts";

describe("/leads stats arguments", () => {
  it("reads a period and a dimension in any order, with plurals and aliases", () => {
    expect(parseStatsArgs([])).toEqual({ period: "7d" });
    expect(parseStatsArgs(["30d", "by", "campaign"])).toEqual({ period: "30d", by: "campaign" });
    expect(parseStatsArgs(["by", "Sources", "Quarter"])).toEqual({
      period: "quarter",
      by: "source",
    });
    expect(parseStatsArgs(["month", "reps"])).toEqual({ period: "30d", by: "rep" });
  });

  it("refuses what it does not know, saying what would work", () => {
    const refusal = (args: string[]) => {
      try {
        parseStatsArgs(args);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        return (error as AppError).userMessage;
      }
      throw new Error("accepted");
    };
    expect(refusal(["by", "color"])).toContain("I don't know `color`");
    expect(refusal(["by"])).toContain("`by` needs a dimension");
    expect(refusal(["<@U123>"])).toContain("`&lt;@U123&gt;`");
  });
});

describe("metric formatting", () => {
  it("writes durations and rates compactly", () => {
    expect(formatDuration(null)).toBe("–");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(210)).toBe("4m");
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe("3h 05m");
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe("2d 4h");
    expect(formatRate(1, 0)).toBe("–");
    expect(formatRate(2, 3)).toBe("67%");
    expect(formatRate(1, 40)).toBe("2.5%");
  });

  it("keeps the table to its rows and sums up the rest", () => {
    const rows = Array.from({ length: 4 }, (_, i) => ({
      key: i === 3 ? null : `Campaign ${i} with a very long name indeed`,
      received: 10 - i,
      accepted: 5,
      converted: 1,
      disqualified: 0,
      medianClaimSeconds: 600,
    }));
    const table = breakdownTable(rows, "campaign", { maxRows: 2 });
    expect(table.split("\n")).toEqual([
      expect.stringMatching(/^Campaign +Leads +Acc +Conv +Rate +DQ +Claim$/),
      expect.stringMatching(/^Campaign 0 with a very… +10 +5 +1 +10% +0 +10m$/),
      expect.stringMatching(/^Campaign 1 with a very… +9 +5 +1 +11% +0 +10m$/),
      "… 2 more (15 leads)",
    ]);
  });

  it("cannot be broken out of its code block or ping anyone", () => {
    expect(codeBlock("a ``` <!here> & b")).toBe("```a ˋˋˋ &lt;!here&gt; &amp; b```");
  });
});

// The intake batcher's group commit: requests that arrive together are written together. On
// PGlite a write runs in this thread and can finish without yielding to the event loop, so a
// batcher that wrote the first request at once wrote every request alone (docs/decisions/016).
import { describe, expect, it } from "vitest";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import { IntakeCapture } from "#src/services/capture-intake.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
const DAY = 86_400_000;

const scoring: Scoring = {
  threshold: 40,
  handRaises: ["demo_request"],
  fit: [],
  behavior: { weights: { page_view: 1 }, halfLife: 30 * DAY, window: 90 * DAY },
};

/** A batcher whose clock moves a second each time a batch reads it. */
function batcher() {
  let tick = Date.parse("2026-11-20T15:00:00Z");
  return new IntakeCapture({
    db: database.current,
    context: () => ({ scoring, accountMatching: false }),
    now: () => {
      tick += 1000;
      return new Date(tick);
    },
  });
}

const actor = { type: "API", id: "group-commit" } as const;

describe("intake group commit", () => {
  it("writes requests that arrive together in one batch", async () => {
    const intake = batcher();
    const emails = Array.from({ length: 6 }, (_, i) => `together${i}@group-commit.io`);
    const results = await Promise.all(
      emails.map((email) => intake.capture(leadRequestSchema.parse({ email }), actor)),
    );
    expect(results.every((result) => result.created)).toBe(true);
    const leads = await database.current.prisma.lead.findMany({
      where: { email: { in: emails } },
      select: { createdAt: true },
    });
    // One batch reads the clock once: every lead has its time.
    expect(new Set(leads.map((lead) => lead.createdAt.getTime())).size).toBe(1);
    expect(leads).toHaveLength(6);
  });

  it("writes a request sent after a batch was written in a batch of its own", async () => {
    const intake = batcher();
    const first = await intake.capture(
      leadRequestSchema.parse({ email: "first@group-commit.io" }),
      actor,
    );
    const second = await intake.capture(
      leadRequestSchema.parse({ email: "second@group-commit.io" }),
      actor,
    );
    const leads = await database.current.prisma.lead.findMany({
      where: { id: { in: [first.leadId, second.leadId] } },
      orderBy: { number: "asc" },
      select: { createdAt: true },
    });
    expect(leads.map((lead) => lead.createdAt.getTime())).toEqual([
      Date.parse("2026-11-20T15:00:01Z"),
      Date.parse("2026-11-20T15:00:02Z"),
    ]);
  });
});

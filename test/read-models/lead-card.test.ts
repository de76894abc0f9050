import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { loadCardView, parseScoreBreakdown, parseTrigger } from "#src/read-models/lead-card.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
const now = new Date("2026-11-20T15:00:00Z");
const DAY = 86_400_000;
let playbook: Playbook;

beforeAll(async () => {
  playbook = await loadPlaybook(
    fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
  );
  await syncPlaybook(database.current, playbook);
});

async function handedOff(email: string, fields: Record<string, unknown> = {}) {
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email,
      firstName: "Dana",
      company: "Acme",
      country: "US",
      companySize: 200,
      ...fields,
      activities: [
        { type: "page_view", occurredAt: new Date(now.getTime() - 120 * DAY).toISOString() },
        { type: "pricing_page", occurredAt: new Date(now.getTime() - DAY).toISOString() },
        { type: "demo_request", occurredAt: now.toISOString(), title: "Demo for 80 agents" },
      ],
    }),
    scoring: playbook.scoring,
    accountMatching: false,
    actor: { type: "API" },
    now,
  });
  await handOffLead({ db: database.current, playbook, webhooks: { urls: [] }, leadId, now });
  return leadId;
}

describe("loadCardView", () => {
  it("reads the lead as its card shows it: the last 90 days, the parsed trigger and score", async () => {
    const leadId = await handedOff("dana@acme.example");
    const { card, teamKey, aiBrief } = await loadCardView(database.current, leadId, now);
    expect(teamKey).toBe("na-midmarket");
    expect(aiBrief).toBeUndefined();
    expect(card).toMatchObject({
      id: leadId,
      firstName: "Dana",
      company: "Acme",
      status: "OFFERED",
      teamMode: "claim",
      trigger: { kind: "hand_raise", activityType: "demo_request" },
    });
    expect(card.scoreBreakdown?.length).toBeGreaterThan(0);
    expect(card.activities.map((a) => a.type)).toEqual(["demo_request", "pricing_page"]);
  });

  it("gives the stored AI brief, marked as the model's, and ignores one that is not a brief", async () => {
    const leadId = await handedOff("lee@acme.example");
    const brief = { lines: ["Who", "What", "Where"], opener: "Hi Lee" };
    await database.current.prisma.lead.update({ where: { id: leadId }, data: { aiBrief: brief } });
    expect((await loadCardView(database.current, leadId, now)).aiBrief).toEqual({
      ...brief,
      ai: true,
    });
    await database.current.prisma.lead.update({
      where: { id: leadId },
      data: { aiBrief: { lines: ["only one"] } },
    });
    expect((await loadCardView(database.current, leadId, now)).aiBrief).toBeUndefined();
  });
});

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

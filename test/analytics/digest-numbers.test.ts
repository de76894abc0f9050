// The digest's numbers against a fixture whose answers are worked out by hand below.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "#src/db/generated/client.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { buildDigestReport } from "#src/read-models/digest-report.ts";
import { breakdown, digestSummary } from "#src/read-models/lead-metrics.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { buildDigestMessage } from "#src/slack/blocks/digest-message.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
/** The digest is sent at this moment and covers the 7 days before it. */
const SENT = new Date("2026-11-23T14:00:00Z");
const at = (iso: string) => new Date(iso);
const minutes = (n: number) => n * 60_000;
let store: PlaybookStore;
const ids: Record<string, string> = {};
let na = "";
let emea = "";

async function lead(
  name: string,
  data: Omit<Prisma.LeadUncheckedCreateInput, "email" | "emailDomain">,
) {
  const row = await database.current.prisma.lead.create({
    data: { email: `${name}@fixture.example`, emailDomain: "fixture.example", ...data },
  });
  ids[name] = row.id;
  return row.id;
}

async function event(
  name: string,
  type: string,
  createdAt: Date,
  extra: Partial<Prisma.LeadEventUncheckedCreateInput> = {},
) {
  await database.current.prisma.leadEvent.create({
    data: { leadId: ids[name]!, type, actorType: "REP", createdAt, ...extra },
  });
}

beforeAll(async () => {
  const playbook = await loadPlaybook(
    fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
  );
  store = PlaybookStore.of(playbook);
  await syncPlaybook(database.current, playbook);
  const teams = await database.current.prisma.team.findMany();
  na = teams.find((t) => t.key === "na-midmarket")!.id;
  emea = teams.find((t) => t.key === "emea-enterprise")!.id;
  const mike = await database.current.prisma.rep.findUniqueOrThrow({
    where: { slackUserId: "U0REPMIKE1" },
  });

  // NA Mid-Market, qualified inside the week (Nov 16 14:00 – Nov 23 14:00):
  //   a: claimed after 1 min, 3 touches, converted        (Website / Pricing)
  //   b: claimed after 2 min, 1 touch, disqualified       (Website / Pricing)
  //   c: claimed after 5 min, no touch                    (Webinar / CX Summit)
  //   d: claimed after 10 min, 2 touches, converted       (Webinar / CX Summit)
  //   e: never claimed, sent back to nurture              (no source)
  // Claim times 60, 120, 300, 600 s: median (120+300)/2 = 210 s; p90 by linear interpolation
  // at rank 0.9·3 = 2.7: 300 + 0.7·(600−300) = 510 s.
  const q = at("2026-11-18T10:00:00Z");
  const claimed = (m: number) => new Date(q.getTime() + minutes(m));
  const common = { teamId: na, qualifiedAt: q, offeredAt: q };
  await lead("a", {
    ...common,
    source: "Website",
    campaign: "Pricing",
    status: "CONVERTED",
    ownerId: mike.id,
    claimedAt: claimed(1),
    firstTouchAt: claimed(30),
    touchCount: 3,
    convertedAt: at("2026-11-20T10:00:00Z"),
  });
  await lead("b", {
    ...common,
    source: "Website",
    campaign: "Pricing",
    status: "DISQUALIFIED",
    ownerId: mike.id,
    claimedAt: claimed(2),
    firstTouchAt: claimed(30),
    touchCount: 1,
    disqualifiedAt: at("2026-11-19T10:00:00Z"),
    dispositionReason: "no-budget",
  });
  await lead("c", {
    ...common,
    source: "Webinar",
    campaign: "CX Summit",
    status: "CLAIMED",
    ownerId: mike.id,
    claimedAt: claimed(5),
  });
  await lead("d", {
    ...common,
    source: "Webinar",
    campaign: "CX Summit",
    status: "CONVERTED",
    ownerId: mike.id,
    claimedAt: claimed(10),
    firstTouchAt: claimed(60),
    touchCount: 2,
    convertedAt: at("2026-11-21T10:00:00Z"),
  });
  await lead("e", {
    ...common,
    status: "NURTURE",
    nurturedAt: at("2026-11-19T12:00:00Z"),
    dispositionReason: "timing",
  });
  // NA, qualified before the week (in the 90 days, so only in conversion by source):
  //   f: claimed, converted (Website / Pricing), disqualified nothing this week
  await lead("f", {
    ...common,
    qualifiedAt: at("2026-10-01T10:00:00Z"),
    offeredAt: at("2026-10-01T10:00:00Z"),
    source: "Website",
    campaign: "Pricing",
    status: "CONVERTED",
    claimedAt: at("2026-10-01T11:00:00Z"),
    convertedAt: at("2026-10-20T10:00:00Z"),
  });
  //   g: qualified exactly at the end of the window: not in this digest
  await lead("g", {
    ...common,
    qualifiedAt: SENT,
    offeredAt: SENT,
    source: "Website",
    status: "OFFERED",
  });
  // EMEA, in the week: h claimed after 1 hour (Trade show / CCW), counted only in all-teams.
  await lead("h", {
    teamId: emea,
    qualifiedAt: q,
    offeredAt: q,
    source: "Trade show",
    campaign: "CCW",
    status: "WORKING",
    claimedAt: claimed(60),
    firstTouchAt: claimed(90),
    touchCount: 1,
  });
  // Captured but never qualified: in no cohort.
  await lead("i", { source: "Website", status: "CAPTURED" });

  // The week's audit trail (NA): touches a×3, b×1, d×2 → 6 touches on 3 leads; h×1 (EMEA).
  for (const [name, count] of [
    ["a", 3],
    ["b", 1],
    ["d", 2],
    ["h", 1],
  ] as const) {
    for (let i = 0; i < count; i++)
      await event(name, "touch_logged", at(`2026-11-19T1${i}:00:00Z`));
  }
  // An older touch, outside the window.
  await event("f", "touch_logged", at("2026-10-05T10:00:00Z"));
  // Dispositions by reps: b disqualified (no budget), e back to nurture (timing); a nurture
  // decided by the scoring (SYSTEM) does not count; nor does last month's.
  await event("b", "disqualified", at("2026-11-19T10:00:00Z"), {
    data: { reasonKey: "no-budget" },
    reason: "No budget",
  });
  await event("e", "nurtured", at("2026-11-19T12:00:00Z"), {
    data: { reasonKey: "timing" },
    reason: "Buying next quarter or later",
  });
  await event("i", "nurtured", at("2026-11-19T12:00:00Z"), { actorType: "SYSTEM" });
  await event("f", "disqualified", at("2026-10-02T10:00:00Z"), { data: { reasonKey: "student" } });
  // SLA: e reminded, escalated (a ghost) and reassigned; c nudged, then worked and gone quiet
  // (a ghost alert on a worked lead); h (EMEA) escalated.
  const notices: [string, string, string][] = [
    ["e", "offered.remind", "2026-11-18T10:15:00Z"],
    ["e", "offered.escalate", "2026-11-18T11:00:00Z"],
    ["e", "offered.reassign", "2026-11-18T14:00:00Z"],
    ["c", "claimed.nudge", "2026-11-18T14:05:00Z"],
    ["c", "working.escalate.2", "2026-11-20T14:05:00Z"],
    ["h", "claimed.escalate", "2026-11-19T11:00:00Z"],
    ["f", "offered.escalate", "2026-10-01T10:30:00Z"],
  ];
  for (const [name, stage, createdAt] of notices) {
    await database.current.prisma.slaNotice.create({
      data: { leadId: ids[name]!, cycle: 1, stage, createdAt: at(createdAt) },
    });
  }
  await event("e", "reassigned", at("2026-11-18T14:00:00Z"), { actorType: "SLA" });
});

describe("the digest's numbers", () => {
  it("for one team: received, accepted, time to claim, SLA, ghosts, touches, dispositions", async () => {
    const report = await buildDigestReport(
      { db: database.current, playbook: store },
      { teamKey: "na-midmarket", to: SENT },
    );
    expect(report.from).toEqual(at("2026-11-16T14:00:00Z"));
    expect(report.summary).toEqual({
      received: 5,
      accepted: 4,
      worked: 3,
      converted: 2,
      disqualified: 1,
      nurtured: 1,
      medianClaimSeconds: 210,
      p90ClaimSeconds: 510,
      slaBreaches: 5,
      ghostAlerts: 2,
      reassigned: 1,
      touches: 6,
      leadsTouched: 3,
    });
    expect(report.dispositions).toEqual([
      { kind: "disqualified", reason: "No budget", count: 1 },
      { kind: "nurtured", reason: "Buying next quarter or later", count: 1 },
    ]);
    // Conversion by source over 90 days: Website a, b, f (2 converted of 3); Webinar c, d
    // (1 of 2); no source e (0 of 1).
    expect(report.bySource).toEqual([
      {
        key: "Website",
        received: 3,
        accepted: 3,
        converted: 2,
        disqualified: 1,
        medianClaimSeconds: 120,
      },
      {
        key: "Webinar",
        received: 2,
        accepted: 2,
        converted: 1,
        disqualified: 0,
        medianClaimSeconds: 450,
      },
      {
        key: null,
        received: 1,
        accepted: 0,
        converted: 0,
        disqualified: 0,
        medianClaimSeconds: null,
      },
    ]);
    expect(report.byCampaign.map((r) => [r.key, r.received, r.converted])).toEqual([
      ["Pricing", 3, 2],
      ["CX Summit", 2, 1],
      [null, 1, 0],
    ]);
  });

  it("for all teams (the marketing digest)", async () => {
    const summary = await digestSummary(database.current, {
      from: at("2026-11-16T14:00:00Z"),
      to: SENT,
    });
    // h joins: claim times 60, 120, 300, 600, 3600 → median 300; p90 at rank 3.6:
    // 600 + 0.6·(3600−600) = 2400.
    expect(summary).toMatchObject({
      received: 6,
      accepted: 5,
      medianClaimSeconds: 300,
      p90ClaimSeconds: 2400,
      slaBreaches: 6,
      ghostAlerts: 3,
      touches: 7,
      leadsTouched: 4,
    });
    const byTeam = await breakdown(
      database.current,
      { from: at("2026-11-16T14:00:00Z"), to: SENT },
      "team",
    );
    expect(byTeam.map((r) => [r.key, r.received, r.accepted])).toEqual([
      ["NA Mid-Market", 5, 4],
      ["EMEA Enterprise", 1, 1],
    ]);
    const byRep = await breakdown(
      database.current,
      { from: at("2026-11-16T14:00:00Z"), to: SENT },
      "rep",
    );
    expect(byRep.map((r) => [r.key, r.received])).toEqual([
      ["U0REPMIKE1", 4],
      [null, 2],
    ]);
  });

  it("renders as a message within Slack's limits, saying what time to claim measures", async () => {
    const report = await buildDigestReport(
      { db: database.current, playbook: store },
      { teamKey: "na-midmarket", to: SENT },
    );
    const message = buildDigestMessage(report);
    const text = JSON.stringify(message.blocks);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(text).toContain("Weekly lead digest: NA Mid-Market");
    expect(text).toContain("median 4m · p90 9m");
    expect(text).toContain("wall-clock");
    expect(text).toContain("No budget 1");
    expect(text).toContain("67%");
    expect(message.text).toMatch(/5 received, 4 accepted/);
  });
});

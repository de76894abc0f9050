import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "#src/errors.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { slackWords } from "#src/slack/text.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
const now = new Date("2026-11-20T15:00:00Z");
const webhooks = { urls: [] };
let playbook: Playbook;
const NA_REPS = ["U0REPMIKE1", "U0REPPRIYA", "U0REPSAM01", "U0REPTOM01"];

beforeAll(async () => {
  playbook = await loadPlaybook(
    fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
  );
  await syncPlaybook(database.current, playbook);
});

let n = 0;
async function offeredLead(fields: Record<string, unknown> = { country: "US", companySize: 200 }) {
  n += 1;
  const { leadId } = await captureLead({
    db: database.current,
    input: leadRequestSchema.parse({
      email: `claim${n}@firm${n}.example`,
      ...fields,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
    scoring: playbook.scoring,
    accountMatching: true,
    actor: { type: "API" },
    now,
  });
  await handOffLead({ db: database.current, playbook, webhooks, leadId, now });
  return leadId;
}

// Refusals name people as Slack shows them (mentions, times in the reader's zone).
const claim = (leadId: string, userId: string) =>
  claimLead({ db: database.current, playbook, webhooks, leadId, userId, now, words: slackWords });

describe("claimLead", () => {
  it("gives the lead to the rep who clicks, and makes the company their account", async () => {
    const leadId = await offeredLead();
    const result = await claim(leadId, "U0REPSAM01");
    expect(result.ownerSlackId).toBe("U0REPSAM01");
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
      include: { owner: true },
    });
    expect(lead).toMatchObject({ status: "CLAIMED", claimedAt: now });
    expect(lead.owner?.slackUserId).toBe("U0REPSAM01");
    const account = await database.current.prisma.account.findUniqueOrThrow({
      where: { domain: lead.companyDomain! },
      include: { owner: true },
    });
    expect(account.owner?.slackUserId).toBe("U0REPSAM01");
    const kinds = (
      await database.current.prisma.outboxMessage.findMany({
        where: {
          OR: [
            { payload: { path: ["leadId"], equals: leadId } },
            { payload: { path: ["fact", "leadId"], equals: leadId } },
          ],
        },
      })
    ).map((m) => m.kind);
    expect(kinds).toEqual(expect.arrayContaining(["lead.card.update", "lead.feed"]));
  });

  it("lets exactly one of 20 simultaneous clicks win and tells the others who has it", async () => {
    const leadId = await offeredLead();
    const clicks = Array.from({ length: 20 }, (_, i) => NA_REPS[i % NA_REPS.length]!);
    const outcomes = await Promise.allSettled(clicks.map((user) => claim(leadId, user)));
    const winners = outcomes.filter((o) => o.status === "fulfilled");
    expect(winners).toHaveLength(1);
    const owner = (winners[0] as PromiseFulfilledResult<{ ownerSlackId: string }>).value
      .ownerSlackId;
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === "fulfilled") continue;
      expect(outcome.reason).toBeInstanceOf(AppError);
      const expected =
        clicks[i] === owner
          ? /^You already claimed this lead/
          : new RegExp(`^<@${owner}> already claimed this lead at <!date\\^`);
      expect((outcome.reason as AppError).userMessage).toMatch(expected);
    }
    expect(
      await database.current.prisma.leadEvent.count({ where: { leadId, type: "claimed" } }),
    ).toBe(1);
    expect(
      await database.current.prisma.outboxMessage.count({
        where: { kind: "lead.card.update", orderingKey: leadId },
      }),
    ).toBe(1);
  });

  it("refuses someone outside the team", async () => {
    const leadId = await offeredLead();
    await expect(claim(leadId, "U0REPKIM01")).rejects.toMatchObject({
      code: "forbidden",
      userMessage: "Only members of NA Mid-Market can claim this lead.",
    });
  });

  it("refuses a lead offered to someone else in assign mode", async () => {
    const leadId = await offeredLead({ region: "EMEA", companySize: 900 });
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { id: leadId },
      include: { offeredTo: true },
    });
    const other = ["U0REPANA01", "U0REPJONAS", "U0REPLEA01"].find(
      (u) => u !== lead.offeredTo?.slackUserId,
    )!;
    await expect(claim(leadId, other)).rejects.toMatchObject({
      code: "forbidden",
      userMessage: expect.stringMatching(/offered to <@U0REP/),
    });
    await expect(claim(leadId, lead.offeredTo!.slackUserId)).resolves.toMatchObject({
      ownerSlackId: lead.offeredTo!.slackUserId,
    });
  });
});

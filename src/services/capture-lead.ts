// Captures a lead (API, CSV import): finds it by normalized email or creates it, merges its
// fields and activities, scores it, and qualifies it when it is ready. All in one transaction
// with the audit trail and the handoff request for the outbox: never a half-written lead.
import { createHash } from "node:crypto";
import type { Database } from "#src/db/database.ts";
import { type LeadStatus, Prisma } from "#src/db/generated/client.ts";
import { decideQualification } from "#src/domain/qualification.ts";
import { type Score, scoreLead } from "#src/domain/scoring.ts";
import type { ActivityInput, LeadRequest } from "#src/intake/schemas.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import { type Actor, enqueue, recordLeadEvent, type Tx } from "#src/services/lead-journal.ts";

/** Mailbox providers: their domain says nothing about the lead's company. */
const FREE_MAIL = new Set([
  "gmail.com",
  "googlemail.com",
  "yahoo.com",
  "hotmail.com",
  "outlook.com",
  "live.com",
  "icloud.com",
  "me.com",
  "aol.com",
  "proton.me",
  "protonmail.com",
  "gmx.de",
  "gmx.net",
  "web.de",
  "yandex.ru",
  "mail.ru",
  "qq.com",
  "163.com",
]);

/** Statuses in which a lead is with sales: new activity is news for its owner. */
const WITH_SALES: LeadStatus[] = ["OFFERED", "CLAIMED", "WORKING"];

export interface CaptureContext {
  scoring: Scoring;
  accountMatching: boolean;
  actor: Actor;
  now: Date;
}

export interface CaptureLeadOptions extends CaptureContext {
  db: Database;
  input: LeadRequest;
}

export interface CaptureLeadResult {
  leadId: string;
  number: number;
  created: boolean;
  status: LeadStatus;
  score: number;
  qualified: boolean;
  activitiesAdded: number;
  activitiesDuplicate: number;
}

export async function captureLead(options: CaptureLeadOptions): Promise<CaptureLeadResult> {
  const [result] = await captureLeads(options.db, [options.input], options);
  return result!;
}

/** Captures several leads in one transaction: all of them, or none. */
export async function captureLeads(
  db: Database,
  inputs: LeadRequest[],
  context: CaptureContext,
): Promise<CaptureLeadResult[]> {
  // Two first captures of one email race to create it; the loser retries as a merge.
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.prisma.$transaction(
        async (tx) => {
          const results: CaptureLeadResult[] = [];
          for (const input of inputs) results.push(await captureInTransaction(tx, input, context));
          return results;
        },
        { timeout: 60_000, maxWait: 10_000 },
      );
    } catch (error) {
      const duplicate =
        error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
      if (!duplicate || attempt >= 3) throw error;
    }
  }
}

async function captureInTransaction(
  tx: Tx,
  input: LeadRequest,
  options: CaptureContext,
): Promise<CaptureLeadResult> {
  const { now, actor } = options;
  const emailDomain = input.email.split("@")[1] ?? "";
  const fields = leadFields(input);

  const [existing] = await tx.$queryRaw<
    { id: string; status: LeadStatus; resurfaceAt: Date | null; ownerId: string | null }[]
  >`SELECT "id", "status", "resurfaceAt", "ownerId" FROM "Lead" WHERE "email" = ${input.email} FOR UPDATE`;

  let leadId: string;
  let status: LeadStatus;
  if (existing) {
    leadId = existing.id;
    status = existing.status;
    await tx.$executeRaw`
      UPDATE "Lead" SET
        "externalIds" = "externalIds" || ${JSON.stringify(input.externalIds ?? {})}::jsonb,
        "attributes" = "attributes" || ${JSON.stringify(input.attributes ?? {})}::jsonb
      WHERE "id" = ${leadId}::uuid`;
    if (Object.keys(fields).length > 0) {
      await tx.lead.update({ where: { id: leadId }, data: fields });
    }
  } else {
    const companyDomain =
      fields.companyDomain ?? (FREE_MAIL.has(emailDomain) ? undefined : emailDomain);
    const accountOwnerId =
      options.accountMatching && companyDomain
        ? await findAccountOwner(tx, companyDomain)
        : undefined;
    const created = await tx.lead.create({
      data: {
        ...fields,
        companyDomain,
        email: input.email,
        emailDomain,
        externalIds: input.externalIds ?? {},
        attributes: input.attributes ?? {},
        accountOwnerId,
        createdAt: now,
      },
      select: { id: true, status: true },
    });
    leadId = created.id;
    status = created.status;
  }

  const activities = input.activities ?? [];
  const added = activities.length
    ? (
        await tx.activity.createMany({
          data: activities.map((activity) => activityRow(leadId, activity)),
          skipDuplicates: true,
        })
      ).count
    : 0;

  await recordLeadEvent(tx, {
    leadId,
    type: existing ? "merged" : "captured",
    actor,
    toStatus: existing ? undefined : status,
    data: {
      activitiesAdded: added,
      activitiesDuplicate: activities.length - added,
      source: input.source ?? null,
      campaign: input.campaign ?? null,
    },
    at: now,
  });

  const score = await rescore(tx, leadId, options);
  // Only activities stored now can raise a hand: a retried request re-sends old ones.
  const newHandRaise =
    added > 0 ? latestHandRaise(activities, options.scoring.handRaises) : undefined;
  const decision = decideQualification({
    status,
    score: score.total,
    threshold: options.scoring.threshold,
    newHandRaise,
    resurfaceAt: existing?.resurfaceAt,
    now,
  });

  const qualified = decision.status === "QUALIFIED" && status !== "QUALIFIED";
  const trigger = qualified
    ? decision.trigger === "hand_raise"
      ? { kind: "hand_raise", activityType: decision.handRaise, score: score.total }
      : {
          kind: "score",
          score: score.total,
          threshold: options.scoring.threshold,
          top: score.breakdown.slice(0, 3).map((line) => line.label),
        }
    : undefined;
  await tx.lead.update({
    where: { id: leadId },
    data: {
      score: score.total,
      fitScore: score.fit,
      behaviorScore: score.behavior,
      scoreBreakdown: score.breakdown as unknown as Prisma.InputJsonValue,
      scoredAt: now,
      status: decision.status,
      version: { increment: 1 },
      ...(qualified
        ? { qualifiedAt: now, trigger, resurfaceAt: null, nurturedAt: null }
        : decision.status === "NURTURE" && status === "CAPTURED"
          ? { nurturedAt: now }
          : {}),
    },
  });

  if (decision.status !== status) {
    await recordLeadEvent(tx, {
      leadId,
      type: qualified ? "qualified" : "nurtured",
      actor,
      fromStatus: status,
      toStatus: decision.status,
      reason: qualified
        ? decision.trigger === "hand_raise"
          ? `hand-raise: ${decision.handRaise}`
          : `score ${score.total} reached the threshold ${options.scoring.threshold}`
        : `score ${score.total} is below the threshold ${options.scoring.threshold}`,
      data: trigger ?? {},
      at: now,
    });
  }
  if (qualified) {
    await enqueue(tx, {
      kind: "lead.handoff",
      payload: { leadId },
      orderingKey: leadId,
      dedupeKey: `handoff:${leadId}:${now.toISOString()}`,
    });
  } else if (added > 0 && WITH_SALES.includes(decision.status)) {
    await enqueue(tx, {
      kind: "lead.activity",
      payload: { leadId, activities: added },
      orderingKey: leadId,
    });
  }

  const lead = await tx.lead.findUniqueOrThrow({
    where: { id: leadId },
    select: { number: true, status: true, score: true },
  });
  return {
    leadId,
    number: lead.number,
    created: !existing,
    status: lead.status,
    score: lead.score,
    qualified,
    activitiesAdded: added,
    activitiesDuplicate: activities.length - added,
  };
}

async function rescore(tx: Tx, leadId: string, options: CaptureContext): Promise<Score> {
  const { now, scoring } = options;
  const lead = await tx.lead.findUniqueOrThrow({ where: { id: leadId } });
  const activities = await tx.activity.findMany({
    where: { leadId, occurredAt: { gte: new Date(now.getTime() - scoring.behavior.window) } },
    select: { type: true, occurredAt: true },
  });
  return scoreLead(
    { ...lead, attributes: lead.attributes as Record<string, unknown> },
    activities,
    scoring,
    now,
  );
}

function latestHandRaise(activities: ActivityInput[], handRaises: string[]): string | undefined {
  return activities
    .filter((a) => handRaises.includes(a.type))
    .sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime())[0]?.type;
}

/** The owner of the company's account, or of another open lead from the same company. */
async function findAccountOwner(tx: Tx, domain: string): Promise<string | undefined> {
  const account = await tx.account.findUnique({
    where: { domain },
    select: { owner: { select: { id: true, deactivatedAt: true } } },
  });
  if (account?.owner && !account.owner.deactivatedAt) return account.owner.id;
  const sibling = await tx.lead.findFirst({
    where: {
      companyDomain: domain,
      status: { in: ["CLAIMED", "WORKING", "CONVERTED"] },
      owner: { deactivatedAt: null },
    },
    orderBy: { claimedAt: "desc" },
    select: { ownerId: true },
  });
  return sibling?.ownerId ?? undefined;
}

type LeadFields = Omit<
  Prisma.LeadUncheckedCreateInput,
  "email" | "emailDomain" | "externalIds" | "attributes"
>;

/** The fields this request sets; absent ones leave the stored value alone. */
function leadFields(input: LeadRequest): LeadFields {
  const [first, ...rest] = input.name?.split(/\s+/) ?? [];
  const fields: LeadFields = {
    firstName: input.firstName ?? (input.name ? first : undefined),
    lastName: input.lastName ?? (input.name && rest.length > 0 ? rest.join(" ") : undefined),
    title: input.title,
    company: input.company,
    companyDomain: input.companyDomain,
    companySize: input.companySize,
    industry: input.industry,
    country: input.country,
    region: input.region,
    city: input.city,
    phone: input.phone,
    linkedinUrl: input.linkedinUrl,
    website: input.website,
    source: input.source,
    campaign: input.campaign,
  };
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as LeadFields;
}

/**
 * An activity without the sender's id gets one derived from its content, so sending the same
 * activity twice (a retried request, a re-imported file) stores it once.
 */
function activityRow(leadId: string, activity: ActivityInput): Prisma.ActivityCreateManyInput {
  const { data, externalId, ...rest } = activity;
  const derived =
    externalId ??
    `sha256:${createHash("sha256")
      .update(
        JSON.stringify([
          rest.type,
          rest.occurredAt.toISOString(),
          rest.url,
          rest.title,
          rest.eventName,
          rest.message,
          rest.colleague,
        ]),
      )
      .digest("hex")
      .slice(0, 40)}`;
  return { ...rest, leadId, externalId: derived, data: data ?? {} };
}

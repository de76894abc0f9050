// The routing dry run behind `baton route <lead.json>` and `/leads route ...`: where a lead
// would go if it were handed off now, and why, decided by the same function the hand-off uses
// on the same database rows. It runs in a read-only transaction: it cannot write anything.

import { accountOwnerIdOf } from "#src/db/capture-rows.ts";
import type { Database } from "#src/db/database.ts";
import { newLeadColumns } from "#src/domain/capture.ts";
import type { LeadFacts } from "#src/domain/conditions.ts";
import { decideRoute, type RouteExplanation } from "#src/domain/routing.ts";
import { AppError } from "#src/errors.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { LEAD_FIELDS, type Playbook } from "#src/playbook/schema.ts";
import type { CrmOwnerMatch } from "#src/services/crm-owner-match.ts";
import { repsWhoLetGo } from "#src/services/hand-off-lead.ts";
import type { Tx } from "#src/services/lead-journal.ts";
import { routeInput } from "#src/services/route-input.ts";

export type RouteQuery =
  /** A stored lead, by email or L-number. */
  | { kind: "lead"; ref: string }
  /** A lead as the intake API takes it (JSON). */
  | { kind: "new"; lead: unknown }
  /** Only some fields: `country=DE companySize=800`. */
  | { kind: "fields"; fields: Record<string, string> };

export interface ExplainRouteOptions {
  db: Database;
  playbook: Playbook;
  now: Date;
  query: RouteQuery;
  /** Looks up the lead's owner in the CRM first (owner matching), as the hand-off would. */
  crmOwner?: (lead: {
    email: string;
    companyDomain: string | null;
  }) => Promise<CrmOwnerMatch | undefined>;
}

export async function explainRoute(options: ExplainRouteOptions): Promise<RouteExplanation> {
  // The CRM is asked before the read-only transaction: no I/O while it is open.
  const crmOwner = await crmOwnerOf(options);
  return options.db.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SET TRANSACTION READ ONLY");
    const subject = await subjectOf(tx, options.query);
    const loaded = await routeInput(tx, {
      lead: subject.lead,
      accountOwnerId: subject.accountOwnerId,
      crmOwner,
      playbook: options.playbook,
      now: options.now,
      exclude: subject.leadId ? await repsWhoLetGo(tx, subject.leadId) : [],
      lock: false,
      withOutsiders: true,
    });
    const decision = decideRoute(loaded.route);
    const reps = await tx.rep.findMany({ select: { id: true, name: true, slackUserId: true } });
    return {
      decision,
      number: subject.number,
      status: subject.status,
      people: Object.fromEntries(
        reps.map((r) => [r.id, { name: r.name ?? r.slackUserId, slackUserId: r.slackUserId }]),
      ),
    };
  });
}

async function crmOwnerOf(options: ExplainRouteOptions): Promise<CrmOwnerMatch | undefined> {
  if (!options.crmOwner) return undefined;
  const subject = await options.db.prisma.$transaction((tx) => subjectOf(tx, options.query));
  const email = (subject.lead as { email?: unknown }).email;
  if (typeof email !== "string") return undefined;
  return options.crmOwner({ email, companyDomain: subject.lead.companyDomain ?? null });
}

interface Subject {
  lead: LeadFacts;
  accountOwnerId: string | null;
  leadId?: string;
  number?: number;
  status?: string;
}

async function subjectOf(tx: Tx, query: RouteQuery): Promise<Subject> {
  if (query.kind === "lead") return storedLead(tx, query.ref);
  if (query.kind === "fields") {
    const lead = factsFromFields(query.fields);
    const domain = lead.companyDomain;
    return { lead, accountOwnerId: domain ? await accountOwnerIdOf(tx, domain) : null };
  }
  const parsed = leadRequestSchema.safeParse(query.lead);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "lead"}: ${i.message}`);
    throw new AppError("bad_request", `The lead is not valid: ${issues.join("; ")}`, {
      details: parsed.error.issues,
    });
  }
  const known = await tx.lead.findUnique({
    where: { email: parsed.data.email },
    select: { number: true },
  });
  // A capture of a known email merges into that lead: route the lead as stored.
  if (known) return storedLead(tx, `L-${known.number}`);
  const columns = newLeadColumns(parsed.data);
  const lead = { ...columns, attributes: columns.attributes as Record<string, unknown> };
  const domain = columns.companyDomain;
  return { lead, accountOwnerId: domain ? await accountOwnerIdOf(tx, domain) : null };
}

async function storedLead(tx: Tx, ref: string): Promise<Subject> {
  const number = /^L-?(\d{1,9})$/i.exec(ref.trim())?.[1];
  const lead = number
    ? await tx.lead.findUnique({ where: { number: Number(number) } })
    : await tx.lead.findUnique({ where: { email: ref.trim().toLowerCase() } });
  if (!lead) throw new AppError("not_found", `No lead is \`${ref.slice(0, 80)}\`.`);
  return {
    lead: { ...lead, attributes: lead.attributes as Record<string, unknown> },
    accountOwnerId: lead.accountOwnerId,
    leadId: lead.id,
    number: lead.number,
    status: lead.status,
  };
}

/** `country=DE companySize=800 attributes.plan=pro` as lead facts; unknown fields refused. */
export function factsFromFields(fields: Record<string, string>): LeadFacts {
  const lead: LeadFacts & Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith("attributes.") && name.length > "attributes.".length) {
      attributes[name.slice("attributes.".length)] = value;
    } else if (name === "companySize") {
      const size = Number(value);
      if (!Number.isInteger(size) || size < 0) {
        throw new AppError(
          "bad_request",
          `companySize must be a whole number, not \`${value.slice(0, 40)}\`.`,
        );
      }
      lead.companySize = size;
    } else if ((LEAD_FIELDS as readonly string[]).includes(name)) {
      lead[name] = value;
    } else {
      throw new AppError(
        "bad_request",
        `\`${name.slice(0, 40)}\` is not a lead field. Use ${LEAD_FIELDS.join(", ")} or attributes.<name>.`,
      );
    }
  }
  if (typeof lead.email === "string" && !lead.emailDomain) {
    lead.emailDomain = lead.email.split("@")[1];
  }
  return { ...lead, attributes };
}

/** Who each assign-mode team's round robin would pick next right now (null: nobody can). */
export async function nextUpByTeam(
  options: Omit<ExplainRouteOptions, "query">,
): Promise<Map<string, { repId: string; name: string } | null>> {
  const teams = options.playbook.teams.filter((t) => t.mode === "assign");
  return options.db.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SET TRANSACTION READ ONLY");
    const next = new Map<string, { repId: string; name: string } | null>();
    for (const team of teams) {
      const loaded = await routeInput(tx, {
        lead: {},
        accountOwnerId: null,
        playbook: options.playbook,
        now: options.now,
        teamKey: team.key,
        exclude: [],
        lock: false,
      });
      const { outcome } = decideRoute(loaded.route);
      const rep = loaded.route.team.candidates.find(
        (c) => outcome.kind === "rep" && c.repId === outcome.repId,
      );
      next.set(team.key, rep && loaded.route.team.key === team.key ? rep : null);
    }
    return next;
  });
}

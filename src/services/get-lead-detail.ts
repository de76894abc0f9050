// One lead as the API shows it: fields, score breakdown, status, owner, timeline, audit trail.
import type { Database } from "#src/db/database.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds a lead by its id or its reference ("L-1042" or "1042"). */
export async function findLeadId(db: Database, ref: string): Promise<string | undefined> {
  const trimmed = ref.trim();
  if (UUID.test(trimmed)) {
    const lead = await db.prisma.lead.findUnique({
      where: { id: trimmed.toLowerCase() },
      select: { id: true },
    });
    return lead?.id;
  }
  const number = /^(?:L-)?(\d{1,9})$/i.exec(trimmed)?.[1];
  if (!number) return undefined;
  const lead = await db.prisma.lead.findUnique({
    where: { number: Number(number) },
    select: { id: true },
  });
  return lead?.id;
}

export async function getLeadDetail(db: Database, ref: string) {
  const id = await findLeadId(db, ref);
  if (!id) return undefined;
  const lead = await db.prisma.lead.findUniqueOrThrow({
    where: { id },
    include: {
      owner: { select: { slackUserId: true, name: true } },
      offeredTo: { select: { slackUserId: true, name: true } },
      team: { select: { key: true, name: true } },
      activities: { orderBy: { occurredAt: "desc" }, take: 500 },
      events: { orderBy: { id: "asc" }, take: 500 },
    },
  });
  const { activities, events, number, opportunityAmount, ...rest } = lead;
  return {
    ...rest,
    ref: `L-${number}`,
    number,
    opportunityAmount: opportunityAmount?.toString() ?? null,
    timeline: activities.map(({ leadId: _, ...activity }) => activity),
    events: events.map(({ leadId: _, id, ...event }) => ({ id: id.toString(), ...event })),
  };
}

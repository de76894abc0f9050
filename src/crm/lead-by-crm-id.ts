// Finds the lead a CRM record stands for by the record's id (Lead.externalIds, e.g.
// {"hubspot": "123"}). Containment (@>) rather than a path comparison: the GIN index on
// externalIds (jsonb_path_ops) answers it, so a conversion or a poll page reads one index
// entry per record instead of scanning every lead.
import type { Database } from "#src/db/database.ts";

export async function leadIdByCrmId(
  db: Database,
  crm: string,
  id: string,
): Promise<string | undefined> {
  const rows = await db.prisma.$queryRaw<{ id: string }[]>`
    SELECT "id"::text AS "id" FROM "Lead"
     WHERE "externalIds" @> ${JSON.stringify({ [crm]: id })}::jsonb
     ORDER BY "createdAt" LIMIT 1`;
  return rows[0]?.id;
}

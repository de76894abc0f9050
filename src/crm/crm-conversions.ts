// A conversion a CRM recorded (a HubSpot deal, a Salesforce Lead converted), applied to Baton's
// lead through the lifecycle seam (convertFromCrm), for every CRM connector.
import type { Deps } from "#src/context.ts";
import { leadIdByCrmId } from "#src/crm/lead-by-crm-id.ts";
import { emailSchema } from "#src/intake/schemas.ts";
import { type CrmConversion, convertFromCrm } from "#src/services/convert-from-crm.ts";

/** Converts the lead, as recorded in the CRM ("HubSpot", "Salesforce"), with its deal's amount. */
export async function convertInCrm(
  deps: Deps,
  leadId: string,
  crm: string,
  deal: { amount?: string; opportunityId?: string },
): Promise<CrmConversion> {
  const result = await convertFromCrm({
    db: deps.db,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    now: deps.clock.now(),
    leadId,
    crm,
    ...deal,
  });
  if (result.converted) deps.wakeOutbox?.();
  return result;
}

/** The lead of a CRM record: by its id in that CRM (externalIds), else by its email. */
export async function leadOfRecord(
  deps: Deps,
  crm: "hubspot" | "salesforce",
  recordId: string,
  email?: string | null,
): Promise<string | undefined> {
  return (await leadIdByCrmId(deps.db, crm, recordId)) ?? leadByEmail(deps, email);
}

export async function leadByEmail(
  deps: Deps,
  email: string | null | undefined,
): Promise<string | undefined> {
  const parsed = emailSchema.safeParse(email ?? "");
  if (!parsed.success) return undefined;
  const lead = await deps.db.prisma.lead.findUnique({
    where: { email: parsed.data },
    select: { id: true },
  });
  return lead?.id;
}

/**
 * Where a conversion poll that read everything starts next time: a minute before now (a CRM's
 * search index, and its second-precise timestamps, trail its writes; seeing a change twice is
 * harmless), never before where this one started.
 */
export function nextPollStart(since: Date, now: Date): Date {
  return new Date(Math.max(since.getTime(), now.getTime() - POLL_OVERLAP_MS));
}

const POLL_OVERLAP_MS = 60_000;

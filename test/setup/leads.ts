// A qualified lead handed to its team through the real use cases, optionally claimed: the
// starting point of most end-to-end tests.
import type { Baton } from "#src/baton.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";

export async function handedOffLead(
  app: Baton,
  /** Lead fields (email required); a demo request makes it qualify at once. */
  fields: Record<string, unknown> & { email: string },
  options: { claimBy?: string; now?: Date } = {},
) {
  const { deps } = app;
  const now = options.now ?? new Date();
  const { leadId } = await captureLead({
    db: deps.db,
    input: leadRequestSchema.parse({
      ...fields,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
    scoring: deps.playbook.current.scoring,
    accountMatching: false,
    actor: { type: "API" },
    now,
  });
  const use = {
    db: deps.db,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    now,
  };
  await handOffLead(use);
  if (options.claimBy) await claimLead({ ...use, userId: options.claimBy });
  return deps.db.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
}

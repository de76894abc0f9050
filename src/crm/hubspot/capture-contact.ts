// A contact read from HubSpot (Webhooks API), captured like a workflow's: mapped by the
// playbook, then the intake's capture (dedupe by email, merge, scoring, idempotent activities).
import type { Deps } from "#src/context.ts";
import { contactToLead, type HubSpotContact } from "#src/crm/hubspot/contact-mapping.ts";
import { captureLeads, queuedOutbox } from "#src/services/capture-lead.ts";

export type ContactCapture =
  | { captured: true; leadId: string; created: boolean; status: string; qualified: boolean }
  | { captured: false; skipped: string };

export async function captureHubSpotContact(
  deps: Deps,
  contact: HubSpotContact,
): Promise<ContactCapture> {
  const playbook = deps.playbook.current;
  const mapped = contactToLead(contact, playbook.crm.hubspot);
  if (!mapped.ok) {
    // A HubSpot contact without a usable email is not a lead Baton can work; nothing to retry.
    return {
      captured: false,
      // Paths only: the messages may quote an example address, and results are logged.
      skipped: `not a lead: ${mapped.issues.map((i) => i.path).join(", ")} missing or invalid`,
    };
  }
  const [result] = await captureLeads(deps.db, [mapped.request], {
    scoring: playbook.scoring,
    accountMatching: playbook.routing.accountMatching,
    actor: { type: "API", id: "hubspot" },
    now: deps.clock.now(),
  });
  if (queuedOutbox(result!)) deps.wakeOutbox?.();
  return {
    captured: true,
    leadId: result!.leadId,
    created: result!.created,
    status: result!.status,
    qualified: result!.qualified,
  };
}

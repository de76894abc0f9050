// Outbox handlers for lead work that follows a commit: routing a qualified lead.
import type { Deps } from "#src/context.ts";
import type { OutboxHandler } from "#src/outbox/outbox-worker.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";

export function leadHandlers(deps: Deps): Record<string, OutboxHandler> {
  return {
    "lead.handoff": async (message) => {
      const { leadId } = message.payload as { leadId: string };
      const result = await handOffLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        leadId,
        now: deps.clock.now(),
      });
      deps.logger.info({ leadId, ...result }, "lead handed off");
      return result;
    },
  };
}

// Disqualify / Back-to-nurture modal submitted: checked inside the modal (response_action:
// errors), then closed and recorded. A refusal after that reaches the user ephemerally.
import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import type { Disposition } from "#src/domain/lifecycle.ts";
import { disposeLead } from "#src/services/dispose-lead.ts";
import { slaContext } from "#src/sla/schedule.ts";
import {
  type DispositionMetadata,
  DISPOSITION_FIELDS as F,
  viewIdFor,
} from "#src/slack/blocks/disposition-modal.ts";
import { replier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerDispositionViews(app: App, deps: Deps): void {
  for (const disposition of ["disqualify", "nurture"] as Disposition[]) {
    app.view(viewIdFor(disposition), async ({ ack, body, view, client }) => {
      const values = view.state.values;
      const reasonKey = values[F.reasonBlock]?.[F.reasonAction]?.selected_option?.value;
      const note = values[F.noteBlock]?.[F.noteAction]?.value?.trim() || undefined;
      const date = values[F.resurfaceBlock]?.[F.resurfaceAction]?.selected_date ?? undefined;
      const now = deps.clock.now();
      const resurfaceAt = date ? new Date(`${date}T09:00:00Z`) : undefined;
      const errors: Record<string, string> = {};
      if (
        !reasonKey ||
        !deps.playbook.current.reasons[disposition].some((r) => r.key === reasonKey)
      ) {
        errors[F.reasonBlock] = "Pick a reason: marketing uses it to fix targeting.";
      }
      if (resurfaceAt && resurfaceAt <= now)
        errors[F.resurfaceBlock] = "Pick a date in the future.";
      const confirmed =
        (values[F.confirmBlock]?.[F.confirmAction]?.selected_options?.length ?? 0) > 0;
      if (disposition === "disqualify" && reasonKey === "no-response" && !confirmed) {
        const few = await tooFewTouches(deps, view.private_metadata);
        if (few) {
          errors[F.confirmBlock] =
            `Only ${few.touches} touch${few.touches === 1 ? "" : "es"} so far; most deals need 5 to 12 (your team asks for ${few.minimum}). Try again, or tick the box to disqualify anyway.`;
        }
      }
      if (Object.keys(errors).length > 0) {
        await ack({ response_action: "errors", errors });
        return;
      }
      await ack();
      const userId = body.user.id;
      let metadata: DispositionMetadata;
      try {
        metadata = JSON.parse(view.private_metadata) as DispositionMetadata;
      } catch {
        deps.logger.warn({ user: userId }, "disposition modal with unreadable metadata");
        return;
      }
      const logger = deps.logger.child({ view: viewIdFor(disposition), user: userId });
      // The modal is closed: a refusal reaches the user where they clicked, or in a DM.
      const reply = replier({ client, logger, userId, channelId: metadata.channelId });
      await withErrorReply(reply, logger, async () => {
        await disposeLead({
          disposition,
          db: deps.db,
          playbook: deps.playbook.current,
          webhooks: deps.config.webhooks,
          words: slackWords,
          leadId: metadata.leadId,
          userId,
          reasonKey: reasonKey!,
          note,
          resurfaceAt,
          now,
        });
      });
    });
  }
}

/** A "no response" disqualification with fewer touches than the team's SLA policy asks for. */
async function tooFewTouches(
  deps: Deps,
  privateMetadata: string,
): Promise<{ touches: number; minimum: number } | undefined> {
  let leadId: string;
  try {
    leadId = (JSON.parse(privateMetadata) as DispositionMetadata).leadId;
  } catch {
    return undefined;
  }
  const lead = await deps.db.prisma.lead.findUnique({
    where: { id: leadId },
    select: { touchCount: true, team: { select: { key: true } } },
  });
  if (!lead) return undefined;
  const { policy } = slaContext(deps.playbook.current, lead.team?.key);
  return lead.touchCount < policy.minTouches
    ? { touches: lead.touchCount, minimum: policy.minTouches }
    : undefined;
}

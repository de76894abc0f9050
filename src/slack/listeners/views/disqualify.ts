// Disqualify modal submitted: check it in the modal (response_action: errors), then close it
// and record the disposition. A refusal after that reaches the user as an ephemeral message.
import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError } from "#src/errors.ts";
import { disqualifyLead } from "#src/services/disqualify-lead.ts";
import { DISQUALIFY_FIELDS, type DisqualifyMetadata } from "#src/slack/blocks/disqualify-modal.ts";
import { VIEWS } from "#src/slack/ids.ts";
import { GENERIC_FAILURE } from "#src/slack/reply-errors.ts";

export function registerDisqualifyView(app: App, deps: Deps): void {
  app.view(VIEWS.disqualify, async ({ ack, body, view, client }) => {
    const values = view.state.values;
    const reasonKey =
      values[DISQUALIFY_FIELDS.reasonBlock]?.[DISQUALIFY_FIELDS.reasonAction]?.selected_option
        ?.value;
    const note =
      values[DISQUALIFY_FIELDS.noteBlock]?.[DISQUALIFY_FIELDS.noteAction]?.value?.trim() ||
      undefined;
    const known = deps.playbook.current.reasons.disqualify.some((r) => r.key === reasonKey);
    if (!reasonKey || !known) {
      await ack({
        response_action: "errors",
        errors: {
          [DISQUALIFY_FIELDS.reasonBlock]: "Pick a reason: marketing uses it to fix targeting.",
        },
      });
      return;
    }
    await ack();
    const userId = body.user.id;
    let metadata: DisqualifyMetadata;
    try {
      metadata = JSON.parse(view.private_metadata) as DisqualifyMetadata;
    } catch {
      deps.logger.warn({ user: userId }, "disqualify modal with unreadable metadata");
      return;
    }
    try {
      await disqualifyLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        leadId: metadata.leadId,
        userId,
        reasonKey,
        note,
        now: deps.clock.now(),
      });
    } catch (error) {
      const text = error instanceof AppError ? error.userMessage : GENERIC_FAILURE;
      if (!(error instanceof AppError)) deps.logger.error({ err: error }, "disqualify failed");
      // The modal is closed: tell the user where they clicked, or in a DM.
      const channel = metadata.channelId ?? userId;
      await client.chat
        .postEphemeral({ channel, user: userId, text })
        .catch((replyError: unknown) => {
          deps.logger.error(
            { err: replyError },
            "could not tell the user about a refused disqualification",
          );
        });
    }
  });
}

// Converted / Release modals submitted: checked inside the modal (response_action: errors),
// then closed and recorded. A refusal after that reaches the user ephemerally.
import type { App } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Deps } from "#src/context.ts";
import { convertLead } from "#src/services/convert-lead.ts";
import { releaseLead } from "#src/services/release-lead.ts";
import {
  CONVERTED_FIELDS as C,
  type OutcomeMetadata,
  parseAmount,
  RELEASE_FIELDS as R,
} from "#src/slack/blocks/outcome-modals.ts";
import { VIEWS } from "#src/slack/ids.ts";
import { replier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerOutcomeViews(app: App, deps: Deps): void {
  app.view(VIEWS.converted, async ({ ack, body, view, client }) => {
    const values = view.state.values;
    const amountText = values[C.amountBlock]?.[C.amountAction]?.value?.trim() || undefined;
    const opportunityId =
      values[C.opportunityBlock]?.[C.opportunityAction]?.value?.trim() || undefined;
    const note = values[C.noteBlock]?.[C.noteAction]?.value?.trim() || undefined;
    const amount = amountText ? parseAmount(amountText) : undefined;
    if (amountText && !amount) {
      await ack({
        response_action: "errors",
        errors: { [C.amountBlock]: "Type an amount such as 12500 or 12,500.00." },
      });
      return;
    }
    await ack();
    await recordOutcome(deps, client, body.user.id, view.private_metadata, (metadata) =>
      convertLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        words: slackWords,
        leadId: metadata.leadId,
        userId: body.user.id,
        amount,
        opportunityId,
        note,
        now: deps.clock.now(),
      }),
    );
  });

  app.view(VIEWS.release, async ({ ack, body, view, client }) => {
    const reason = view.state.values[R.reasonBlock]?.[R.reasonAction]?.value?.trim();
    if (!reason) {
      await ack({
        response_action: "errors",
        errors: { [R.reasonBlock]: "Say why: the next rep and your manager read it." },
      });
      return;
    }
    await ack();
    await recordOutcome(deps, client, body.user.id, view.private_metadata, (metadata) =>
      releaseLead({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        words: slackWords,
        leadId: metadata.leadId,
        userId: body.user.id,
        reason,
        now: deps.clock.now(),
      }),
    );
  });
}

async function recordOutcome(
  deps: Deps,
  client: WebClient,
  userId: string,
  privateMetadata: string,
  change: (metadata: OutcomeMetadata) => Promise<unknown>,
): Promise<void> {
  let metadata: OutcomeMetadata;
  try {
    metadata = JSON.parse(privateMetadata) as OutcomeMetadata;
  } catch {
    deps.logger.warn({ user: userId }, "outcome modal with unreadable metadata");
    return;
  }
  const logger = deps.logger.child({ view: "outcome", user: userId });
  // The modal is closed: a refusal reaches the user where they clicked, or in a DM.
  const reply = replier({ client, logger, userId, channelId: metadata.channelId });
  await withErrorReply(reply, logger, async () => {
    await change(metadata);
  });
}

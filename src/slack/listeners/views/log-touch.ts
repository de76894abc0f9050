// Log touch modal submitted: checked inside the modal, then recorded; a refusal after the
// modal closed reaches the user ephemerally.

import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { TOUCH_KINDS, type TouchKind } from "#src/domain/touch.ts";
import { logTouch } from "#src/services/log-touch.ts";
import { TOUCH_FIELDS as F } from "#src/slack/blocks/log-touch-modal.ts";
import { VIEWS } from "#src/slack/ids.ts";
import { replier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

export function registerLogTouchView(app: App, deps: Deps): void {
  app.view(VIEWS.logTouch, async ({ ack, body, view, client }) => {
    const values = view.state.values;
    const kind = values[F.kindBlock]?.[F.kindAction]?.selected_option?.value;
    const note = values[F.noteBlock]?.[F.noteAction]?.value?.trim() || undefined;
    if (!kind || !(kind in TOUCH_KINDS)) {
      await ack({
        response_action: "errors",
        errors: { [F.kindBlock]: "Pick how you reached them." },
      });
      return;
    }
    await ack();
    const userId = body.user.id;
    let metadata: { leadId: string; channelId?: string };
    try {
      metadata = JSON.parse(view.private_metadata) as { leadId: string; channelId?: string };
    } catch {
      deps.logger.warn({ user: userId }, "log touch modal with unreadable metadata");
      return;
    }
    const logger = deps.logger.child({ view: VIEWS.logTouch, user: userId });
    const reply = replier({ client, logger, userId, channelId: metadata.channelId });
    await withErrorReply(reply, logger, async () => {
      await logTouch({
        db: deps.db,
        playbook: deps.playbook.current,
        words: slackWords,
        leadId: metadata.leadId,
        userId,
        kind: kind as TouchKind,
        note,
        now: deps.clock.now(),
      });
    });
  });
}

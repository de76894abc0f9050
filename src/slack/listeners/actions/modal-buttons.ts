// The buttons that open a form (Disqualify, Back to nurture, Log touch, Converted, Release,
// Reassign): ack, ask the rulebook whether this person may make the move now, and open the
// modal at once (Slack's trigger id lasts 3 seconds). A refused person is told why where they
// clicked, before any form; the change asks again when the modal is submitted, under the
// lead's lock.
import type { App, BlockButtonAction } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import type { Deps } from "#src/context.ts";
import type { Action } from "#src/domain/lifecycle.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { assertAllowed } from "#src/services/lead-transition.ts";
import { buildDispositionModal } from "#src/slack/blocks/disposition-modal.ts";
import { buildLogTouchModal } from "#src/slack/blocks/log-touch-modal.ts";
import { buildConvertedModal, buildReleaseModal } from "#src/slack/blocks/outcome-modals.ts";
import { buildReassignModal } from "#src/slack/blocks/reassign-modal.ts";
import { ACTIONS, leadIdFrom } from "#src/slack/ids.ts";
import { actionReplier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";
import { slackWords } from "#src/slack/text.ts";

/** The lead as the forms show it. */
export interface FormLead {
  number: number;
  name: string;
  ownerSlackId: string | null;
  touchCount: number;
}

/** Where the modal's submission answers a refusal: the channel clicked from, if any. */
type FormMetadata = { leadId: string; channelId?: string };

interface ModalButton {
  actionId: string;
  /** The move the form leads to, as the rulebook names it. */
  move: Action;
  build(lead: FormLead, metadata: FormMetadata, deps: Deps): ModalView;
}

const BUTTONS: ModalButton[] = [
  {
    actionId: ACTIONS.disqualify,
    move: "disqualify",
    build: (lead, metadata, deps) =>
      buildDispositionModal("disqualify", lead, deps.playbook.current.reasons.disqualify, metadata),
  },
  {
    actionId: ACTIONS.nurture,
    move: "nurture",
    build: (lead, metadata, deps) =>
      buildDispositionModal("nurture", lead, deps.playbook.current.reasons.nurture, metadata),
  },
  { actionId: ACTIONS.logTouch, move: "touch", build: buildLogTouchModal },
  { actionId: ACTIONS.converted, move: "convert", build: buildConvertedModal },
  { actionId: ACTIONS.release, move: "release", build: buildReleaseModal },
  { actionId: ACTIONS.reassign, move: "reassign", build: buildReassignModal },
];

export function registerModalButtons(app: App, deps: Deps): void {
  for (const button of BUTTONS) {
    app.action<BlockButtonAction>(button.actionId, async (args) => {
      const { ack, body, action, client } = args;
      await ack();
      const logger = deps.logger.child({ action: button.actionId, user: body.user.id });
      await withErrorReply(actionReplier(args, logger), logger, async () => {
        const leadId = leadIdFrom(action.value);
        const allowed = await assertAllowed(
          { db: deps.db, playbook: deps.playbook.current, words: slackWords, leadId },
          button.move,
          body.user.id,
        );
        const lead = await deps.db.prisma.lead.findUniqueOrThrow({
          where: { id: leadId },
          select: { firstName: true, lastName: true, email: true },
        });
        const name = [lead.firstName, lead.lastName].filter(Boolean).join(" ") || null;
        const form: FormLead = {
          number: allowed.number,
          name: leadName({ name, email: lead.email }),
          ownerSlackId: allowed.ownerSlackId,
          touchCount: allowed.touchCount,
        };
        await client.views.open({
          trigger_id: body.trigger_id,
          view: button.build(form, { leadId, channelId: body.channel?.id }, deps),
        });
      });
    });
  }
}

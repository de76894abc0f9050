// The owner logs a touch (call, email, meeting, LinkedIn): the lead is being worked, the SLA
// clock restarts from this touch, and the card shows the count ("3 touches so far").
import { TOUCH_KINDS, type TouchKind } from "#src/domain/touch.ts";
import {
  applyChange,
  factBase,
  type LifecycleOptions,
  lockFor,
} from "#src/services/lead-transition.ts";

export interface LogTouchOptions extends Omit<LifecycleOptions, "webhooks"> {
  webhooks?: LifecycleOptions["webhooks"];
  leadId: string;
  userId: string;
  kind: TouchKind;
  note?: string;
}

export async function logTouch(
  options: LogTouchOptions,
): Promise<{ number: number; touchCount: number }> {
  const { db, userId, now, kind } = options;
  const lifecycle = { ...options, webhooks: options.webhooks ?? { urls: [] } };
  return db.prisma.$transaction(async (tx) => {
    const { lead, actorType } = await lockFor(tx, lifecycle, "touch", { userId });
    const touch = lead.touchCount + 1;
    await applyChange(tx, lifecycle, lead, {
      to: "WORKING",
      set: { touchCount: touch, lastTouchAt: now, firstTouchAt: lead.firstTouchAt ?? now },
      event: {
        type: "touch_logged",
        actorType,
        actorId: userId,
        reason: TOUCH_KINDS[kind],
        data: { kind, note: options.note ?? null, touch },
      },
      facts: [{ ...factBase(lead, now), type: "touched", by: userId, kind, touch }],
    });
    return { number: lead.number, touchCount: touch };
  });
}

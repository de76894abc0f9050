// The "Send to sales" form sent: checked inside the form (email, size), then the lead goes
// through capture as a referral by the person who sent it, with the message's permalink when it
// came from a message. The sender is told where it went, where they sent it from.
import type { App, ViewOutput } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { emailSchema } from "#src/intake/schemas.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { referLead } from "#src/services/refer-lead.ts";
import {
  buildReferralReply,
  NEW_LEAD_FIELDS as F,
  type NewLeadMetadata,
} from "#src/slack/blocks/new-lead-modal.ts";
import { VIEWS } from "#src/slack/ids.ts";
import { slackUserName } from "#src/slack/people-names.ts";
import { replier } from "#src/slack/replier.ts";
import { withErrorReply } from "#src/slack/reply-errors.ts";

type Values = ViewOutput["state"]["values"];

interface Form {
  email: string;
  name?: string;
  company?: string;
  title?: string;
  country?: string;
  companySize?: number;
  note?: string;
  errors?: undefined;
}

export function registerNewLeadView(app: App, deps: Deps): void {
  app.view(VIEWS.newLead, async ({ ack, body, view, client }) => {
    const values = view.state.values;
    const form = readForm(values);
    if ("errors" in form && form.errors) {
      await ack({ response_action: "errors", errors: form.errors });
      return;
    }
    await ack();
    const userId = body.user.id;
    const logger = deps.logger.child({ view: VIEWS.newLead, user: userId });
    const metadata = parseMetadata(view.private_metadata);
    const reply = replier({ client, logger, userId, channelId: metadata.channelId });
    await withErrorReply(reply, logger, async () => {
      const url =
        metadata.channelId && metadata.messageTs
          ? await client.chat
              .getPermalink({ channel: metadata.channelId, message_ts: metadata.messageTs })
              .then((r) => r.permalink)
              .catch((error: unknown) => {
                logger.info({ err: error }, "no permalink for the message; sending without it");
                return undefined;
              })
          : undefined;
      const name = await slackUserName(client, userId, body.user.name, logger);
      const result = await referLead({
        db: deps.db,
        playbook: deps.playbook.current,
        referral: { ...form, url, message: metadata.excerpt },
        by: { slackUserId: userId, name },
        source: "Slack",
        now: deps.clock.now(),
      });
      await reply(
        buildReferralReply({
          ...result,
          name: leadName({ name: form.name ?? null, email: form.email }),
        }),
      );
    });
  });
}

function text(values: Values, id: string): string | undefined {
  return values[id]?.[id]?.value?.trim() || undefined;
}

/** The form's values, or the field errors Slack shows under each input. */
function readForm(values: Values): Form | { errors: Record<string, string> } {
  const email = emailSchema.safeParse(text(values, F.email) ?? "");
  const sizeText = text(values, F.size)?.replace(/[,.\s]/g, "");
  const errors: Record<string, string> = {};
  if (!email.success) errors[F.email] = "Enter an email address like ana@acme.com.";
  if (sizeText !== undefined && !/^\d{1,8}$/.test(sizeText)) {
    errors[F.size] = "A whole number of employees, like 250.";
  }
  if (!email.success || Object.keys(errors).length > 0) return { errors };
  return {
    email: email.data,
    name: text(values, F.name),
    company: text(values, F.company),
    title: text(values, F.title),
    country: text(values, F.country),
    companySize: sizeText === undefined ? undefined : Number(sizeText),
    note: text(values, F.note),
  };
}

function parseMetadata(raw: string): NewLeadMetadata {
  try {
    const parsed = JSON.parse(raw) as NewLeadMetadata;
    return {
      channelId: typeof parsed.channelId === "string" ? parsed.channelId : undefined,
      messageTs: typeof parsed.messageTs === "string" ? parsed.messageTs : undefined,
      excerpt: typeof parsed.excerpt === "string" ? parsed.excerpt.slice(0, 500) : undefined,
    };
  } catch {
    return {};
  }
}

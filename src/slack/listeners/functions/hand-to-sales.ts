// Workflow Builder custom step "Hand a lead to sales" (slack-manifest.yml: functions): a Slack
// form or any workflow passes the lead's email and details; the lead goes through capture as a
// referral, and the step completes with the lead's number (or fails with why, which Workflow
// Builder shows to the workflow's owner). Bolt acknowledges the event itself.
import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { AppError, errorMessage } from "#src/errors.ts";
import { referLead } from "#src/services/refer-lead.ts";
import { FUNCTIONS } from "#src/slack/ids.ts";
import { slackUserName } from "#src/slack/people-names.ts";

type Inputs = Record<string, unknown>;

export function registerHandToSales(app: App, deps: Deps): void {
  app.function(FUNCTIONS.handToSales, async ({ inputs, complete, fail, client }) => {
    const submittedBy = stringInput(inputs, "submitted_by");
    const logger = deps.logger.child({ function: FUNCTIONS.handToSales, user: submittedBy });
    try {
      const size = stringInput(inputs, "company_size")?.replace(/[,.\s]/g, "");
      const name = submittedBy
        ? await slackUserName(client, submittedBy, undefined, logger)
        : "a Slack workflow";
      const result = await referLead({
        db: deps.db,
        playbook: deps.playbook.current,
        referral: {
          email: stringInput(inputs, "email") ?? "",
          name: stringInput(inputs, "name"),
          company: stringInput(inputs, "company"),
          title: stringInput(inputs, "title"),
          country: stringInput(inputs, "country"),
          companySize: size && /^\d{1,8}$/.test(size) ? Number(size) : undefined,
          note: stringInput(inputs, "note"),
        },
        by: { slackUserId: submittedBy, name },
        source: "Slack workflow",
        now: deps.clock.now(),
      });
      await complete({
        outputs: { lead_number: `L-${result.number}`, handed_to_sales: result.qualified },
      });
    } catch (error) {
      const known = error instanceof AppError;
      if (known) logger.info({ code: error.code, reason: error.message }, "workflow step refused");
      else logger.error({ err: error }, "workflow step failed");
      await fail({
        error: known
          ? error.userMessage
          : `Baton could not take the lead just now (${errorMessage(error).slice(0, 100)}); run the workflow again.`,
      }).catch((failError: unknown) =>
        logger.error({ err: failError }, "functions.completeError failed"),
      );
    }
  });
}

function stringInput(inputs: Inputs, key: string): string | undefined {
  const value = inputs[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

// Turns a failed handler into a short ephemeral message for the person who clicked or typed,
// and a log line with the cause. Nobody is left with a spinner, nothing raw reaches a channel.
import { AppError } from "#src/errors.ts";
import type { Logger } from "#src/logger.ts";
import type { Reply } from "#src/slack/replier.ts";

export const GENERIC_FAILURE =
  "Sorry, Baton could not do that just now. It has been logged; please try again in a minute.";

export async function withErrorReply(
  reply: Reply,
  logger: Logger,
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (error) {
    await replyWithFailure(reply, logger, error);
  }
}

/** Logs why a request failed, and tells the person in words fit for them. */
export async function replyWithFailure(
  reply: Reply,
  logger: Logger,
  error: unknown,
): Promise<void> {
  const text = error instanceof AppError ? error.userMessage : GENERIC_FAILURE;
  if (error instanceof AppError && error.code !== "internal") {
    logger.info({ code: error.code, reason: error.message }, "request refused");
  } else {
    logger.error({ err: error }, "handler failed");
  }
  await reply({ text }).catch((replyError: unknown) => {
    logger.error({ err: replyError }, "could not tell the user about a failure");
  });
}

// A signed Slack request whose payload Bolt cannot read (a block_actions without actions, an
// event without its fields) throws inside Bolt before any listener runs. Bolt's default answers
// 500, which tells Slack to retry the same bad payload; it is the sender's fault, so: 400.
import type { HTTPReceiverOptions } from "@slack/bolt";
import { HTTPModuleFunctions } from "@slack/bolt";

type Handler = NonNullable<HTTPReceiverOptions["processEventErrorHandler"]>;

export const answerMalformedPayloads: Handler = async (args) => {
  const { error, response, logger } = args;
  if (!response.headersSent && error instanceof TypeError) {
    logger.warn(`Refused a Slack request Bolt could not read (${error.message})`);
    response.writeHead(400);
    response.end();
    return true;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
};

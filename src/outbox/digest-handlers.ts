// Posts a digest, rendered from its numbers at delivery time, and renders its chart (outside
// any transaction) and uploads it with
// Slack's files upload methods (files.getUploadURLExternal, the upload, then
// files.completeUploadExternal, which shares it in the channel).
import type { WebClient } from "@slack/web-api";
import { renderConversionChart } from "#src/charts/conversion-chart.ts";
import { errorMessage } from "#src/errors.ts";
import type { Handlers } from "#src/outbox/messages.ts";
import { Undeliverable } from "#src/outbox/outbox-worker.ts";
import { classifySlackErrors, type SlackSender } from "#src/outbox/slack-handlers.ts";
import { buildDigestMessage } from "#src/slack/blocks/digest-message.ts";

export function digestHandlers(client: WebClient, sender: SlackSender): Handlers {
  return {
    "digest.post": ({ channel, report }) =>
      classifySlackErrors(() => sender.post(channel, buildDigestMessage(report))),
    "digest.chart": async (chart) => {
      // Rendering is deterministic: a chart that fails once fails every time.
      const png = await renderConversionChart(chart.bars, chart.title).catch((error: unknown) => {
        throw new Undeliverable(`the digest chart could not be rendered: ${errorMessage(error)}`);
      });
      return classifySlackErrors(async () => {
        const uploaded = await client.filesUploadV2({
          channel_id: chart.channel,
          file: png,
          filename: chart.filename,
          title: chart.title,
        });
        return { files: uploaded.files?.flatMap((f) => f.files?.map((x) => x.id) ?? []) };
      });
    },
  };
}

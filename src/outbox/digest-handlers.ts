// Renders a digest's chart at delivery time (outside any transaction) and uploads it with
// Slack's files upload methods (files.getUploadURLExternal, the upload, then
// files.completeUploadExternal, which shares it in the channel).
import type { WebClient } from "@slack/web-api";
import { renderConversionChart } from "#src/charts/conversion-chart.ts";
import { errorMessage } from "#src/errors.ts";
import { type OutboxHandler, Undeliverable } from "#src/outbox/outbox-worker.ts";
import { classifySlackErrors } from "#src/outbox/slack-handlers.ts";
import type { DigestChartPayload } from "#src/services/send-digest.ts";

export function digestHandlers(client: WebClient): Record<string, OutboxHandler> {
  return {
    "digest.chart": async (message) => {
      const chart = message.payload as DigestChartPayload;
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

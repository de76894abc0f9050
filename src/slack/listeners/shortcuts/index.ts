import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerSendToSales } from "#src/slack/listeners/shortcuts/send-to-sales.ts";

export function register(app: App, deps: Deps): void {
  registerSendToSales(app, deps);
}

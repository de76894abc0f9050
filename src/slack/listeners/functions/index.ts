import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerHandToSales } from "#src/slack/listeners/functions/hand-to-sales.ts";

export function register(app: App, deps: Deps): void {
  registerHandToSales(app, deps);
}

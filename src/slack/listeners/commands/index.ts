import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerLeadsCommand } from "#src/slack/listeners/commands/leads/index.ts";

export function register(app: App, deps: Deps): void {
  registerLeadsCommand(app, deps);
}

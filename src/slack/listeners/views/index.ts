import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerDisqualifyView } from "#src/slack/listeners/views/disqualify.ts";

export function register(app: App, deps: Deps): void {
  registerDisqualifyView(app, deps);
}

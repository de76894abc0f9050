import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerClaim } from "#src/slack/listeners/actions/claim.ts";

export function register(app: App, deps: Deps): void {
  registerClaim(app, deps);
}

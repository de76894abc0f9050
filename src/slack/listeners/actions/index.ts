import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerClaim } from "#src/slack/listeners/actions/claim.ts";
import { registerDisqualify } from "#src/slack/listeners/actions/disqualify.ts";

export function register(app: App, deps: Deps): void {
  registerClaim(app, deps);
  registerDisqualify(app, deps);
}

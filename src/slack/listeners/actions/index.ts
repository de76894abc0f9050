import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerAssignTo } from "#src/slack/listeners/actions/assign-to.ts";
import { registerClaim } from "#src/slack/listeners/actions/claim.ts";
import { registerModalButtons } from "#src/slack/listeners/actions/modal-buttons.ts";
import { registerPass } from "#src/slack/listeners/actions/pass.ts";
import { registerShowCard } from "#src/slack/listeners/actions/show-card.ts";

export function register(app: App, deps: Deps): void {
  registerClaim(app, deps);
  registerPass(app, deps);
  registerModalButtons(app, deps);
  registerAssignTo(app, deps);
  registerShowCard(app, deps);
}

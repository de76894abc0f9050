import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerAssignTo } from "#src/slack/listeners/actions/assign-to.ts";
import { registerClaim } from "#src/slack/listeners/actions/claim.ts";
import { registerDispositionButtons } from "#src/slack/listeners/actions/disposition.ts";
import { registerLogTouchButton } from "#src/slack/listeners/actions/log-touch.ts";
import { registerOutcomeButtons } from "#src/slack/listeners/actions/outcome.ts";
import { registerPass } from "#src/slack/listeners/actions/pass.ts";
import { registerReassign } from "#src/slack/listeners/actions/reassign.ts";
import { registerShowCard } from "#src/slack/listeners/actions/show-card.ts";

export function register(app: App, deps: Deps): void {
  registerClaim(app, deps);
  registerDispositionButtons(app, deps);
  registerPass(app, deps);
  registerLogTouchButton(app, deps);
  registerOutcomeButtons(app, deps);
  registerAssignTo(app, deps);
  registerReassign(app, deps);
  registerShowCard(app, deps);
}

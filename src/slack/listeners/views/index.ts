import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { registerDispositionViews } from "#src/slack/listeners/views/disposition.ts";
import { registerLogTouchView } from "#src/slack/listeners/views/log-touch.ts";
import { registerNewLeadView } from "#src/slack/listeners/views/new-lead.ts";
import { registerOutcomeViews } from "#src/slack/listeners/views/outcome.ts";
import { registerReassignView } from "#src/slack/listeners/views/reassign.ts";

export function register(app: App, deps: Deps): void {
  registerDispositionViews(app, deps);
  registerLogTouchView(app, deps);
  registerOutcomeViews(app, deps);
  registerReassignView(app, deps);
  registerNewLeadView(app, deps);
}

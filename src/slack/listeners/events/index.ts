// Slack events Baton acts on. `user_change` with `deleted: true`: the person left the
// workspace; their open leads go back to the pool and their managers hear where each went.
// Otherwise `user_change` and `user_status_changed` carry the rep's time zone and status: a
// status that says they are out makes them away (src/slack/rep-profiles.ts).
import type { App } from "@slack/bolt";
import type { Deps } from "#src/context.ts";
import { deactivateRep } from "#src/services/people.ts";
import { homeFor } from "#src/slack/home.ts";
import { applyProfile, profileOf, type SlackUser } from "#src/slack/rep-profiles.ts";
import { slackWords } from "#src/slack/text.ts";

export function register(app: App, deps: Deps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    try {
      const now = deps.clock.now();
      await client.views.publish({
        user_id: event.user,
        view: await homeFor(deps, event.user, now),
      });
    } catch (error) {
      deps.logger.error({ err: error, user: event.user }, "could not publish the App Home");
    }
  });

  // A status that says the rep is out (or no longer does), and their time zone.
  app.event("user_status_changed", async ({ event }) => {
    const user = event.user as SlackUser;
    if (user.id && !user.deleted) await applyProfile(deps, profileOf({ ...user, id: user.id }));
  });

  app.event("user_change", async ({ event }) => {
    const user = event.user as SlackUser;
    if (!user.id) return;
    if (!user.deleted) {
      await applyProfile(deps, profileOf({ ...user, id: user.id }));
      return;
    }
    const logger = deps.logger.child({ event: "user_change", user: user.id });
    try {
      const result = await deactivateRep({
        db: deps.db,
        playbook: deps.playbook.current,
        webhooks: deps.config.webhooks,
        words: slackWords,
        now: deps.clock.now(),
        userId: user.id,
        why: "was deactivated in Slack",
      });
      if (result) logger.info({ moved: result.moved.length }, "rep deactivated; open leads moved");
    } catch (error) {
      logger.error({ err: error }, "could not move a deactivated rep's leads");
    }
  });
}

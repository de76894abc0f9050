// Slack retries an event it thinks we missed (and several replicas may each receive one copy).
// The first delivery of an event id is recorded; later ones stop here.
import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Deps } from "#src/context.ts";

export function dedupeEvents(deps: Deps): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const eventId =
      typeof body === "object" && body !== null && "event_id" in body ? body.event_id : undefined;
    if (typeof eventId === "string" && eventId !== "") {
      const inserted = await deps.db.prisma.$executeRaw`
        INSERT INTO "ProcessedEvent" ("id") VALUES (${eventId}) ON CONFLICT DO NOTHING`;
      if (inserted === 0) {
        deps.logger.debug({ eventId }, "duplicate Slack event ignored");
        return;
      }
    }
    await next();
  };
}

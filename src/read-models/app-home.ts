// What a person's App Home shows, read from the database when it is opened or their leads change.
import type { Deps } from "#src/context.ts";
import { loadReviewLeads, type ReviewLead } from "#src/read-models/review-leads.ts";

export interface HomeView {
  away: { paused: boolean; until: Date | null; status?: string | null };
  week: { claimed: number; touches: number; converted: number };
  offered: ReviewLead[];
  owned: ReviewLead[];
  unclaimed: ReviewLead[];
}

const WEEK = 7 * 86_400_000;

export async function loadHome(
  deps: Pick<Deps, "db" | "playbook">,
  userId: string,
  now: Date,
): Promise<HomeView> {
  const { prisma } = deps.db;
  const mine = await loadReviewLeads(deps.db, { kind: "rep", slackUserId: userId });
  const teams = deps.playbook.current.teams.filter((t) => t.reps.some((r) => r.user === userId));
  const unclaimed = (
    await Promise.all(teams.map((t) => loadReviewLeads(deps.db, { kind: "team", key: t.key })))
  )
    .flat()
    .filter((l) => l.status === "OFFERED" && !l.ownerSlackId && !l.offeredToSlackId)
    .sort((a, b) => (a.since?.getTime() ?? 0) - (b.since?.getTime() ?? 0));
  const rep = await prisma.rep.findUnique({ where: { slackUserId: userId } });
  const since = new Date(now.getTime() - WEEK);
  const counts = await prisma.leadEvent.groupBy({
    by: ["type"],
    where: {
      actorId: userId,
      createdAt: { gte: since },
      type: { in: ["claimed", "touch_logged", "converted"] },
    },
    _count: { _all: true },
  });
  const count = (type: string) => counts.find((c) => c.type === type)?._count._all ?? 0;
  return {
    away: {
      paused: rep?.paused ?? false,
      until: rep?.awayUntil ?? null,
      // Their Slack status says they are out (and has not expired).
      status:
        rep?.statusAway && (!rep.statusUntil || rep.statusUntil > now) ? rep.statusText : null,
    },
    week: {
      claimed: count("claimed"),
      touches: count("touch_logged"),
      converted: count("converted"),
    },
    offered: mine.filter((l) => l.status === "OFFERED" && l.offeredToSlackId === userId),
    owned: mine.filter((l) => l.ownerSlackId === userId),
    unclaimed,
  };
}

// One simulated quarter in both worlds (Baton and the baseline), and its report.
import { fileURLToPath } from "node:url";
import { runBaseline } from "#bench/simulation/baseline.ts";
import { type BatonActivity, runBatonQuarter } from "#bench/simulation/baton-world.ts";
import { type Fairness, fairnessFigures, missedFairness } from "#bench/simulation/fairness.ts";
import {
  baselineFigures,
  batonFigures,
  decided,
  type Figures,
  timeToClaim,
} from "#bench/simulation/figures.ts";
import {
  generateLeads,
  quarterEnd,
  repProfiles,
  type SimulationOptions,
  teamCalendar,
} from "#bench/simulation/model.ts";
import type { Database } from "#src/db/database.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";

const DAY = 24 * 3_600_000;

export const PLAYBOOK = fileURLToPath(new URL("./playbook.yml", import.meta.url));

export interface SimulationReport {
  options: SimulationOptions;
  baton: Figures;
  baseline: Figures;
  activity: BatonActivity;
  /** The assign-mode team's shares against the reps' weights, and leads held for availability. */
  fairness: Fairness | undefined;
  /** SLA steps Baton fired, by stage family ("offered.remind": 120, "working.followup": 800). */
  slaSteps: Record<string, number>;
  /** Manager reassignments, SLA releases and offer time-outs, from Baton's audit trail. */
  events: Record<string, number>;
  /** Baton's leads without a decision at the end, with their last audit-trail events. */
  undecided: string[];
  /** Wall time of each world, and CPU time of this process for Baton's (the database server's not included). */
  seconds: { baton: number; batonCpu: number; baseline: number };
}

export async function runSimulation(
  db: Database,
  options: SimulationOptions,
  progress?: (line: string) => void,
): Promise<SimulationReport> {
  const playbook: Playbook = await loadPlaybook(PLAYBOOK);
  const leads = generateLeads(playbook, options);
  const reps = repProfiles(options);
  // Leads arrive during the quarter's weeks; the figures are read at the close of the next
  // business day (the Monday after), so the last Friday's leads have had a working day too.
  const end = quarterEnd(options) + DAY;
  const calendars = new Map(playbook.teams.map((t) => [t.key, teamCalendar(playbook, t.key)]));

  let started = performance.now();
  const results = runBaseline({
    leads,
    reps,
    calendars,
    end,
    seed: options.seed,
  });
  const baseline = baselineFigures(results, calendars, end);
  const baselineSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const cpu = process.cpuUsage();
  const activity = await runBatonQuarter({
    db,
    playbook,
    leads,
    reps,
    end,
    seed: options.seed,
    progress,
  });
  const baton = await batonFigures(db, playbook, end);
  const fairness = await fairnessFigures(db, playbook, (team) => calendars.get(team)!, end);
  const batonSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const batonCpu = (used.user + used.system) / 1e6;

  const notices = await db.prisma.slaNotice.findMany({ select: { stage: true } });
  const slaSteps: Record<string, number> = {};
  for (const { stage } of notices) {
    const family = stage.replace(/\.\d+$/, "");
    slaSteps[family] = (slaSteps[family] ?? 0) + 1;
  }
  const grouped = await db.prisma.leadEvent.groupBy({
    by: ["type", "actorType"],
    where: {
      type: { in: ["reassigned", "released", "offer_timed_out", "offer_withdrawn", "passed"] },
    },
    _count: true,
  });
  const events: Record<string, number> = {};
  for (const g of grouped) events[`${g.type} (${g.actorType.toLowerCase()})`] = g._count;

  const undecided = await undecidedLeads(db, end);
  return {
    undecided,
    options,
    baton,
    baseline,
    activity,
    fairness,
    slaSteps,
    events,
    seconds: { baton: batonSeconds, batonCpu, baseline: baselineSeconds },
  };
}

export const GOALS = { decided: 1, ghosts: 0, medianClaimMinutes: 15 };

/** The goals Baton's side misses (empty when all are met). */
export function missedGoals(report: SimulationReport): string[] {
  const { baton } = report;
  const missed: string[] = [];
  if (decided(baton) < baton.leads)
    missed.push(`${baton.leads - decided(baton)} leads without a decision (goal: 100% decided)`);
  if (baton.ghosts > GOALS.ghosts) missed.push(`${baton.ghosts} ghosts at quarter end (goal: 0)`);
  const { median } = timeToClaim(baton);
  if (!(median < GOALS.medianClaimMinutes))
    missed.push(`median time to claim ${minutes(median)} (goal: under 15 business minutes)`);
  return [...missed, ...missedFairness(report.fairness)];
}

const percent = (n: number, of: number) =>
  of === 0 ? "–" : `${((100 * n) / of).toFixed(n === of || n === 0 ? 0 : 1)}%`;
const count = (n: number) => n.toLocaleString("en-US");

export function minutes(value: number): string {
  if (!Number.isFinite(value)) return "never";
  if (value < 100) return `${value.toFixed(1)} min`;
  return `${count(Math.round(value))} min`;
}

/** The side-by-side table (Markdown), Baton against the baseline. */
export function table(report: SimulationReport): string {
  const { baton, baseline } = report;
  const row = (label: string, of: (f: Figures) => string) =>
    `| ${label} | ${of(baton)} | ${of(baseline)} |`;
  const claim = (f: Figures) => timeToClaim(f);
  return [
    "| at quarter end | Baton | baseline (static assignment, no reminders) |",
    "|---|---|---|",
    row("leads", (f) => count(f.leads)),
    row(
      "**leads with a decision**",
      (f) => `**${count(decided(f))} (${percent(decided(f), f.leads)})**`,
    ),
    row("· converted", (f) => count(f.converted)),
    row("· disqualified", (f) => count(f.disqualified)),
    row("· back to nurture", (f) => count(f.nurtured)),
    row("· in active hands (touched or claimed by owner ≤ 14 days)", (f) => count(f.worked)),
    row("**ghosts** (owned, no touch in 14 days)", (f) => `**${count(f.ghosts)}**`),
    row("waiting (unclaimed, or owned < 14 days untouched)", (f) => count(f.waiting)),
    row("**median time to claim** (business min)", (f) => `**${minutes(claim(f).median)}**`),
    row("p90 time to claim (business min)", (f) => minutes(claim(f).p90)),
    row("never claimed", (f) => count(claim(f).never)),
    row("**touches per lead**", (f) => `**${(f.touches / Math.max(1, f.leads)).toFixed(2)}**`),
  ].join("\n");
}

/** Leads that are neither closed nor worked in the last 14 days, and what last happened. */
async function undecidedLeads(db: Database, end: number): Promise<string[]> {
  const since = new Date(end - 14 * DAY);
  const leads = await db.prisma.lead.findMany({
    where: {
      status: { notIn: ["CONVERTED", "DISQUALIFIED", "NURTURE"] },
      // Not owned and touched lately. (A lead back in the pool after recent touches is not in
      // anyone's hands: listed. Spelled as an OR: NOT over a never-touched lead's NULL
      // lastTouchAt would leave it out.)
      OR: [
        { status: { notIn: ["CLAIMED", "WORKING"] } },
        { lastTouchAt: null },
        { lastTouchAt: { lt: since } },
      ],
    },
    select: {
      number: true,
      status: true,
      claimedAt: true,
      owner: { select: { slackUserId: true } },
      team: { select: { key: true } },
      events: {
        orderBy: { id: "desc" },
        take: 3,
        select: { type: true, actorId: true, createdAt: true },
      },
    },
    take: 200,
  });
  return leads
    .filter(
      (l) =>
        !(
          (l.status === "CLAIMED" || l.status === "WORKING") &&
          l.claimedAt &&
          l.claimedAt >= since &&
          l.events.some((e) => e.type === "claimed" && e.actorId === l.owner?.slackUserId)
        ),
    )
    .map(
      (l) =>
        `L-${l.number} ${l.status} ${l.team?.key ?? ""}${l.owner ? ` owner ${l.owner.slackUserId}` : ""}: ${l.events
          .map((e) => `${e.type} ${e.createdAt.toISOString().slice(0, 16)}`)
          .join(" ← ")}`,
    );
}

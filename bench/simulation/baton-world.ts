// The quarter with Baton: every lead goes through Baton's real use cases on a virtual clock.
// Leads are captured by the intake use case, routed by the real `lead.handoff` outbox handler,
// chased by the real SLA sweep (`runSweep`, at every whole minute something is due, as the
// SLA scheduler's per-minute cron would).
// Slack is not needed: after each step the new outbox rows are read in order and each
// simulated person reacts to what Baton sent them (a card in their channel, an offer by DM, a
// reminder, a nudge, a ghost alert), then the rows are marked delivered. The people act only
// through the services a Slack click would call.

import {
  afterTouch,
  answersNudge,
  type Decision,
  firstStep,
  lookDelay,
  type Step,
  takesCard,
} from "#bench/simulation/behaviour.ts";
import { Agenda } from "#bench/simulation/events.ts";
import {
  available,
  backAt,
  businessAfter,
  type Calendar,
  MANAGER,
  MANAGERS,
  OFFER,
  PERSISTENCE,
  type RepProfile,
  type SimLead,
  teamCalendar,
} from "#bench/simulation/model.ts";
import { type Random, stream } from "#bench/simulation/random.ts";
import type { Clock } from "#src/clock.ts";
import type { Config } from "#src/config.ts";
import type { Deps } from "#src/context.ts";
import type { Database } from "#src/db/database.ts";
import type { LeadFact } from "#src/domain/lead-facts.ts";
import { AppError } from "#src/errors.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { createLogger } from "#src/logger.ts";
import { type MessageKind, type Payload, parsePayload } from "#src/outbox/messages.ts";
import type { OutboxRow } from "#src/outbox/outbox-store.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import type { Playbook } from "#src/playbook/schema.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { convertLead } from "#src/services/convert-lead.ts";
import { disposeLead } from "#src/services/dispose-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { logTouch } from "#src/services/log-touch.ts";
import { passLead } from "#src/services/pass-lead.ts";
import { deactivateRep, recordSlackProfile, setAway } from "#src/services/people.ts";
import { reassignLead } from "#src/services/reassign-lead.ts";
import { syncPlaybook } from "#src/services/sync-playbook.ts";
import { runSweep } from "#src/sla/sweep.ts";

const MINUTE = 60_000;

/** What the simulated people saw and did, counted as it happened. */
export interface BatonActivity {
  outboxRows: number;
  sweeps: number;
  cardsSeen: number;
  offersByDm: number;
  reminders: number;
  nudgesToReps: number;
  ghostAlerts: number;
  managerReassignments: number;
  /** Reps who went to claim a card and found it taken (or offered to someone else). */
  cardsAlreadyTaken: number;
  /** Claims Baton refused (a race lost between the look and the click). */
  claimsRefused: number;
  passes: number;
  /**
   * Wall time by part of the loop, in seconds, where a slow run spends it: the SLA sweeps,
   * delivering outbox rows (hand-offs included), the agenda (arrivals with their capture and
   * hand-off, what people do, absences) and reading the next due time.
   */
  seconds: { sweeps: number; delivery: number; agenda: number; nextDue: number };
}

interface Plan {
  rep: RepProfile;
  lead: SimLead;
  own: number;
  /** A contact is already planned (the rep is on it: a nudge changes nothing). */
  planned: boolean;
  active: boolean;
}

export interface BatonWorldOptions {
  db: Database;
  playbook: Playbook;
  leads: SimLead[];
  reps: RepProfile[];
  end: number;
  /** Every draw about a lead comes from that lead's own stream: runs repeat exactly. */
  seed: number;
  /** Progress lines (simulated day reached, wall time). */
  progress?: (line: string) => void;
}

export async function runBatonQuarter(options: BatonWorldOptions): Promise<BatonActivity> {
  const { db, playbook, leads, reps, end, seed } = options;
  await syncPlaybook(db, playbook);

  const clock = new VirtualClock(leads[0]?.arrivesAt ?? end);
  const logger = createLogger({ level: "silent" });
  const webhooks: Config["webhooks"] = { urls: [] };
  const deps = {
    config: { webhooks } as Config,
    logger,
    db,
    clock,
    metrics: undefined,
    playbook: PlaybookStore.of(playbook),
  } as unknown as Deps;
  const handOff = ({ leadId }: Payload<"lead.handoff">, _row: OutboxRow) =>
    handOffLead({ db, playbook, webhooks, leadId, now: clock.now() });
  const agenda = new Agenda();
  const activity: BatonActivity = {
    outboxRows: 0,
    sweeps: 0,
    cardsSeen: 0,
    offersByDm: 0,
    reminders: 0,
    nudgesToReps: 0,
    ghostAlerts: 0,
    managerReassignments: 0,
    cardsAlreadyTaken: 0,
    claimsRefused: 0,
    passes: 0,
    seconds: { sweeps: 0, delivery: 0, agenda: 0, nextDue: 0 },
  };
  const timed = async <T>(part: keyof BatonActivity["seconds"], work: () => Promise<T>) => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      activity.seconds[part] += (performance.now() - t0) / 1000;
    }
  };

  const repByUser = new Map(reps.map((r) => [r.user, r]));
  const leadByEmail = new Map(leads.map((l) => [l.email, l]));
  const leadById = new Map<string, SimLead>();
  const teamByChannel = new Map(playbook.teams.map((t) => [t.channel, t.key]));
  const managerTeam = new Map(Object.entries(MANAGERS).map(([team, user]) => [user, team]));
  const calendars = new Map(playbook.teams.map((t) => [t.key, teamCalendar(playbook, t.key)]));
  const calendarOf = (team: string): Calendar => calendars.get(team)!;
  const plans = new Map<string, Plan>();
  const streams = new Map<string, Random>();
  const randomOf = (leadId: string): Random => {
    let random = streams.get(leadId);
    if (!random) {
      random = stream(seed, `baton:${leadById.get(leadId)?.index ?? leadId}`);
      streams.set(leadId, random);
    }
    return random;
  };
  const now = () => clock.now();
  const use = (leadId: string) => ({ db, playbook, webhooks, leadId, now: now() });

  /** Runs `action` after `minutes` of the rep's business time, if they are at work then. */
  const later = (rep: RepProfile, minutes: number, action: () => Promise<void>) => {
    const at = businessAfter(calendarOf(rep.team), clock.time, minutes);
    agenda.at(at, async () => {
      if (available(rep, clock.time)) await action();
    });
  };

  // ---- what reps and managers do, through the services a Slack click calls ----------------

  async function attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
    changed();
    try {
      return await work();
    } catch (error) {
      // Someone was faster, the lead moved on, the rep lost it: Baton said no, as in Slack.
      if (error instanceof AppError) return undefined;
      throw error;
    }
  }

  async function claim(rep: RepProfile, leadId: string) {
    // The card shows whether the lead is still to be taken: nobody clicks a claimed card.
    const card = await db.prisma.lead.findUnique({
      where: { id: leadId },
      select: { status: true, offeredTo: { select: { slackUserId: true } } },
    });
    if (card?.status !== "OFFERED" || (card.offeredTo && card.offeredTo.slackUserId !== rep.user)) {
      activity.cardsAlreadyTaken += 1;
      return;
    }
    const claimed = await attempt(() => claimLead({ ...use(leadId), userId: rep.user }));
    if (!claimed) {
      activity.claimsRefused += 1;
      return;
    }
    startOwning(rep, leadId);
  }

  function planOf(rep: RepProfile, leadId: string): Plan {
    const key = `${rep.user}:${leadId}`;
    let plan = plans.get(key);
    if (!plan) {
      plan = { rep, lead: leadById.get(leadId)!, own: 0, planned: false, active: true };
      plans.set(key, plan);
    }
    return plan;
  }

  function startOwning(rep: RepProfile, leadId: string) {
    const plan = planOf(rep, leadId);
    plan.active = true;
    if (!plan.planned) follow(plan, firstStep(rep, randomOf(leadId)));
  }

  function follow(plan: Plan, step: Step) {
    if (step.kind === "stop") return;
    if (step.kind === "decide") {
      agenda.at(clock.time, () => decide(plan, step.decision));
      return;
    }
    plan.planned = true;
    agenda.at(businessAfter(calendarOf(plan.rep.team), clock.time, step.afterMinutes), () =>
      touch(plan),
    );
  }

  async function touch(plan: Plan) {
    plan.planned = false;
    if (!plan.active) return;
    if (!available(plan.rep, clock.time)) {
      // Away: the contact waits for their return; gone: it never comes.
      const back = backAt(plan.rep, clock.time);
      if (back === undefined) return;
      plan.planned = true;
      agenda.at(businessAfter(calendarOf(plan.rep.team), back, 30), () => touch(plan));
      return;
    }
    const leadId = idOf(plan.lead);
    const touched = await attempt(() =>
      logTouch({ ...use(leadId), userId: plan.rep.user, kind: "call" }),
    );
    if (!touched) {
      plan.active = false; // not theirs any more
      return;
    }
    plan.own += 1;
    follow(plan, afterTouch(plan.rep, plan.lead, plan.own, touched.touchCount, randomOf(leadId)));
  }

  async function decide(plan: Plan, decision: Decision) {
    if (!plan.active || !available(plan.rep, clock.time)) return;
    const leadId = idOf(plan.lead);
    const userId = plan.rep.user;
    const done =
      decision.kind === "convert"
        ? await attempt(() => convertLead({ ...use(leadId), userId }))
        : await attempt(() =>
            disposeLead({
              ...use(leadId),
              userId,
              disposition: decision.kind,
              reasonKey: decision.reason,
            }),
          );
    if (done) plan.active = false;
  }

  /** A nudge or reminder the rep acts on: they open the card and do what it asks. */
  async function answer(rep: RepProfile, leadId: string) {
    const lead = await db.prisma.lead.findUnique({
      where: { id: leadId },
      select: {
        status: true,
        owner: { select: { slackUserId: true } },
        offeredTo: { select: { slackUserId: true } },
      },
    });
    if (!lead) return;
    if (lead.status === "OFFERED") {
      if (!lead.offeredTo || lead.offeredTo.slackUserId === rep.user) await claim(rep, leadId);
      return;
    }
    if (lead.owner?.slackUserId !== rep.user) return;
    const plan = planOf(rep, leadId);
    plan.active = true;
    if (!plan.planned) {
      plan.planned = true;
      await touch(plan);
    }
  }

  async function offered(rep: RepProfile, leadId: string) {
    const roll = randomOf(leadId).next();
    if (roll < OFFER.accepts) await claim(rep, leadId);
    else if (roll < OFFER.accepts + OFFER.passes) {
      const passed = await attempt(() => passLead({ ...use(leadId), userId: rep.user }));
      if (passed) activity.passes += 1;
    }
    // Otherwise the offer runs out and Baton offers it to the next rep.
  }

  /** A manager acting on a ghost alert: hands the lead to a rep who is at work. */
  async function reassign(manager: string, leadId: string, alertedAt: number) {
    const lead = await db.prisma.lead.findUnique({
      where: { id: leadId },
      select: {
        status: true,
        claimedAt: true,
        lastTouchAt: true,
        owner: { select: { slackUserId: true } },
        team: { select: { key: true } },
      },
    });
    if (!lead?.team || !["OFFERED", "CLAIMED", "WORKING"].includes(lead.status)) return;
    // Already moving again since the alert: nothing to do.
    if ((lead.claimedAt?.getTime() ?? 0) > alertedAt) return;
    if ((lead.lastTouchAt?.getTime() ?? 0) > alertedAt) return;
    const team = lead.team.key;
    const candidates = reps.filter(
      (r) => r.team === team && r.user !== lead.owner?.slackUserId && available(r, clock.time),
    );
    if (candidates.length === 0) return;
    const load = await db.prisma.lead.groupBy({
      by: ["ownerId"],
      where: { status: { in: ["CLAIMED", "WORKING"] }, team: { key: team } },
      _count: true,
    });
    const repIds = await db.prisma.rep.findMany({
      where: { slackUserId: { in: candidates.map((c) => c.user) } },
      select: { id: true, slackUserId: true },
    });
    const open = new Map(
      repIds.map((r) => [r.slackUserId, load.find((l) => l.ownerId === r.id)?._count ?? 0]),
    );
    // Managers know their people: the reliable ones with room get the lead more often.
    const to = randomOf(leadId).weighted(
      candidates.map((c) => ({
        value: c,
        weight: PERSISTENCE[c.persistence].reliability / (1 + (open.get(c.user) ?? 0) / 20),
      })),
    );
    const done = await attempt(() =>
      reassignLead({ ...use(leadId), userId: manager, toSlackUserId: to.user }),
    );
    if (done) activity.managerReassignments += 1;
  }

  // ---- what Baton sent, as the people see it ---------------------------------------------

  const channelReps = (team: string) => reps.filter((r) => r.team === team);

  function cardInChannel(team: string, leadId: string) {
    for (const rep of channelReps(team)) {
      if (!available(rep, clock.time) || !takesCard(rep, randomOf(leadId))) continue;
      activity.cardsSeen += 1;
      later(rep, lookDelay(rep, randomOf(leadId)), () => claim(rep, leadId));
    }
  }

  /** A person told of a lead fact by DM: managers act on ghost alerts, reps on nudges. */
  function onNotice(user: string, fact: LeadFact) {
    const leadId = fact.leadId;
    const managed = managerTeam.get(user);
    if (managed !== undefined) {
      const isAlert =
        fact.type === "sla_due" && (fact.step === "ghost" || fact.step === "follow_up");
      if (!isAlert) return;
      activity.ghostAlerts += 1;
      if (!randomOf(leadId).chance(MANAGER.acts)) return;
      const alertedAt = clock.time;
      const at = businessAfter(
        calendarOf(managed),
        clock.time,
        randomOf(leadId).logNormal(MANAGER.delayMedian, 0.8),
      );
      agenda.at(at, () => reassign(user, leadId, alertedAt));
      return;
    }
    const rep = repByUser.get(user);
    if (!rep || !available(rep, clock.time)) return;
    if (fact.type === "reassigned" && fact.to === user) {
      startOwning(rep, leadId);
      return;
    }
    if (fact.type !== "sla_due") {
      // Released by the SLA, reassigned away, recalled: it is off their list.
      const plan = plans.get(`${rep.user}:${leadId}`);
      if (plan) plan.active = false;
      return;
    }
    activity.nudgesToReps += 1;
    if (answersNudge(rep, randomOf(leadId)))
      later(rep, lookDelay(rep, randomOf(leadId)), () => answer(rep, leadId));
  }

  /** What people see of an outbox message, read as Baton's contract types it. */
  async function deliver(row: OutboxRow) {
    if (row.kind === "lead.handoff") {
      await handOff(parsed("lead.handoff", row), row);
    } else if (row.kind === "lead.card.post") {
      const { channel, leadId } = parsed("lead.card.post", row);
      const team = teamByChannel.get(channel);
      if (team) cardInChannel(team, leadId);
    } else if (row.kind === "lead.card.dm") {
      const { user, leadId } = parsed("lead.card.dm", row);
      const rep = repByUser.get(user);
      activity.offersByDm += 1;
      if (rep && available(rep, clock.time)) {
        later(rep, lookDelay(rep, randomOf(leadId)), () => offered(rep, leadId));
      }
    } else if (row.kind === "lead.notice") {
      const { fact, to } = parsed("lead.notice", row);
      if ("user" in to) onNotice(to.user, fact);
      else if (fact.teamKey) {
        // A reminder in the card's thread, or the card opened again after a release.
        activity.reminders += 1;
        cardInChannel(fact.teamKey, fact.leadId);
      }
    }
    // Card updates, briefs, the marketing feed, App Home: nobody's next move depends on them.
  }

  // Only a call into Baton writes outbox rows or moves SLA due times: the harness reads the
  // outbox and the next due time again only after one.
  let outboxDirty = true;
  let dueDirty = true;
  const changed = () => {
    outboxDirty = true;
    dueDirty = true;
  };
  let lastRow = 0n;
  let delivered = 0n;
  /** Delivers every outbox row written since the last call, in order (a hand-off writes more). */
  async function dispatch() {
    if (!outboxDirty) return;
    outboxDirty = false;
    for (;;) {
      const rows = await db.prisma.$queryRaw<OutboxRow[]>`
        SELECT "id", "kind", "orderingKey", "target", "payload", "attempts" FROM "OutboxMessage"
         WHERE "id" > ${lastRow}::bigint ORDER BY "id"`;
      if (rows.length === 0) break;
      for (const row of rows) await deliver(row);
      lastRow = rows.at(-1)!.id;
      activity.outboxRows += rows.length;
      // Only a hand-off writes more rows while being delivered.
      if (!rows.some((row) => row.kind === "lead.handoff")) break;
    }
    // Marked delivered a few hundred at a time: one statement instead of one per step.
    if (lastRow - delivered >= 500n) await markDelivered();
  }
  async function markDelivered() {
    await db.prisma.$executeRaw`
      UPDATE "OutboxMessage" SET "status" = 'DONE', "deliveredAt" = ${now()}, "attempts" = 1
       WHERE "id" > ${delivered}::bigint AND "id" <= ${lastRow}::bigint AND "status" = 'PENDING'`;
    delivered = lastRow;
  }

  function idOf(lead: SimLead): string {
    const id = leadIds.get(lead.index);
    if (!id) throw new Error(`lead ${lead.email} was never captured`);
    return id;
  }
  const leadIds = new Map<number, string>();

  // ---- the quarter's agenda ---------------------------------------------------------------

  for (const lead of leads) {
    agenda.at(lead.arrivesAt, async () => {
      changed();
      const { leadId } = await captureLead({
        db,
        input: leadRequestSchema.parse({
          email: lead.email,
          firstName: "Lead",
          lastName: String(lead.index),
          company: `Company ${lead.index}`,
          companySize: lead.companySize,
          region: lead.region,
          source: "website",
          activities: [
            { type: lead.handRaise, occurredAt: new Date(lead.arrivesAt).toISOString() },
          ],
        }),
        scoring: playbook.scoring,
        accountMatching: playbook.routing.accountMatching,
        actor: { type: "API", id: "simulation" },
        now: now(),
      });
      leadIds.set(lead.index, leadId);
      leadById.set(leadId, leadByEmail.get(lead.email)!);
      await dispatch(); // the hand-off is Baton's at once, not a minute later
    });
  }
  for (const rep of reps) {
    const away = rep.away;
    if (away) {
      agenda.at(away.from, async () => {
        changed();
        await setAway({
          db,
          playbook,
          webhooks,
          now: now(),
          userId: rep.user,
          until: new Date(away.until),
        });
      });
    }
    // A Slack status that says "out", as the user_status_changed listener hands it to Baton;
    // one with Slack's own expiration needs no second event, one without is cleared by hand.
    for (const status of rep.statuses ?? []) {
      const profile = (emoji: string, text: string, expiration: number) => async () => {
        changed();
        await recordSlackProfile({
          db,
          playbook,
          webhooks,
          now: now(),
          profile: { userId: rep.user, status: { emoji, text, expiration } },
        });
      };
      const expiration = status.expires ? Math.floor(status.until / 1000) : 0;
      agenda.at(status.from, profile(status.emoji, status.text, expiration));
      if (!status.expires) agenda.at(status.until, profile("", "", 0));
    }
    if (rep.leaves !== undefined) {
      agenda.at(rep.leaves, async () => {
        changed();
        await deactivateRep({
          db,
          playbook,
          webhooks,
          now: now(),
          userId: rep.user,
          why: "left the company",
          deactivate: true,
        });
      });
    }
  }

  // ---- the clock -------------------------------------------------------------------------

  let lastSweep = Number.NEGATIVE_INFINITY;
  let due: number | undefined;
  let lastDay = -1;
  const started = performance.now();
  for (;;) {
    if (dueDirty) {
      const [next] = await timed(
        "nextDue",
        () => db.prisma.$queryRaw<{ due: Date | null }[]>`
        SELECT LEAST(
          (SELECT min("slaDueAt") FROM "Lead"),
          (SELECT min("resurfaceAt") FROM "Lead" WHERE "status" = 'NURTURE')) AS "due"`,
      );
      due = next?.due?.getTime();
      dueDirty = false;
    }
    // The sweep runs every whole minute (SLA_SWEEP_CRON); only the minutes with work matter.
    const sweepAt =
      due === undefined
        ? Number.POSITIVE_INFINITY
        : Math.max(Math.ceil(due / MINUTE) * MINUTE, lastSweep + MINUTE);
    const first = Math.min(agenda.peek(), sweepAt);
    if (first > end) break;
    const windowEnd = Math.floor(first / MINUTE) * MINUTE + MINUTE;
    if (sweepAt <= first) {
      clock.time = sweepAt;
      const swept = await timed("sweeps", () => runSweep(deps, clock.now()));
      activity.sweeps += 1;
      dueDirty = true;
      if (Object.keys(swept.fired).length > 0 || swept.resurfaced > 0) outboxDirty = true;
      lastSweep = sweepAt;
      await timed("delivery", dispatch);
    }
    while (agenda.peek() < windowEnd && agenda.peek() <= end) {
      const entry = agenda.pop()!;
      clock.time = Math.max(clock.time, entry.at);
      await timed("agenda", async () => entry.run());
    }
    await timed("delivery", dispatch);
    const day = Math.floor((clock.time - (leads[0]?.arrivesAt ?? 0)) / (24 * 60 * MINUTE));
    if (options.progress && day % 7 === 0 && day !== lastDay) {
      options.progress(
        `  Baton: day ${day}, ${leadIds.size} leads in, ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    lastDay = day;
  }
  clock.time = end;
  await markDelivered();
  return activity;
}

/** A row's payload as Baton's outbox contract types it (the harness delivers by kind). */
function parsed<K extends MessageKind>(kind: K, row: OutboxRow): Payload<K> {
  const result = parsePayload(kind, row.payload);
  if (!result.success)
    throw new Error(`outbox row ${row.id} is not a ${kind}: ${result.error.message}`);
  return result.data;
}

class VirtualClock implements Clock {
  constructor(public time: number) {}
  now(): Date {
    return new Date(this.time);
  }
}

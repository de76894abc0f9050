// The simulated world, the same for Baton and for the baseline: the quarter, the leads (who
// they are and what it takes to reach a decision with them) and the reps (how fast they look,
// how many contacts they make before they stop, how they answer a nudge, when they are away).
// Behaviour follows the seeds: 48% of reps never follow up, most stop after two contacts,
// 80% of sales need 5 to 12 contacts, a reminded rep acts more often than a forgotten one.

import { type Random, stream } from "#bench/simulation/random.ts";
import { addBusinessTime, businessTimeBetween, zonedTime } from "#src/domain/business-hours.ts";
import type { Playbook } from "#src/playbook/schema.ts";

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

export interface SimulationOptions {
  leads: number;
  weeks: number;
  seed: number;
}

/** Monday 5 January 2026, 00:00 in New York: the quarter runs over both DST changes. */
export const QUARTER_START = new Date("2026-01-05T05:00:00Z");

export interface Calendar {
  hours: Playbook["businessHours"];
  timeZone: string;
}

/** `minutes` of the calendar's business time after `from`. */
export function businessAfter(calendar: Calendar, from: Date | number, minutes: number): number {
  return addBusinessTime(
    new Date(from),
    Math.max(0, minutes) * MINUTE,
    calendar.hours,
    calendar.timeZone,
  ).getTime();
}

/** Business minutes between two instants in the calendar. */
export function businessMinutes(calendar: Calendar, from: number, to: number): number {
  return (
    businessTimeBetween(new Date(from), new Date(to), calendar.hours, calendar.timeZone) / MINUTE
  );
}

export function teamCalendar(playbook: Playbook, teamKey: string): Calendar {
  const team = playbook.teams.find((t) => t.key === teamKey);
  return {
    hours: team?.businessHours ?? playbook.businessHours,
    timeZone: team?.timezone ?? playbook.timezone,
  };
}

// ---------------------------------------------------------------------------------------------
// Reps

/** How far a rep follows up by themselves, without anyone asking. */
export type Persistence = "never" | "two" | "persistent";
/** How fast a rep looks at a new card or a message. */
export type Speed = "fast" | "normal" | "slow";

export const PERSISTENCE = {
  /** Claims (or accepts) leads and never logs a contact unless chased. */
  never: { stopAfter: 0, firstTouchMedian: 0, answersNudge: 0.25, reliability: 1 },
  /** Two contacts, then silence (the seeds' "most reps stop after two"). */
  two: { stopAfter: 2, firstTouchMedian: 45, answersNudge: 0.55, reliability: 2 },
  /** Keeps going up to eight contacts, then decides with "no response". */
  persistent: { stopAfter: 8, firstTouchMedian: 20, answersNudge: 0.9, reliability: 3 },
} as const;

export const SPEED = {
  /** Median business minutes to look at a new card or DM, and the chance to take a card seen. */
  fast: { lookMedian: 3, takes: 0.7 },
  normal: { lookMedian: 9, takes: 0.5 },
  slow: { lookMedian: 45, takes: 0.3 },
} as const;

export interface RepProfile {
  user: string;
  name: string;
  team: string;
  speed: Speed;
  persistence: Persistence;
  /** Leave, as `/leads away` until the date: [from, until). */
  away?: { from: number; until: number };
  /** Leaves the company (deactivated in Slack) at this instant. */
  leaves?: number;
  /**
   * Slack statuses that say the rep is out (a holiday, a sick day): set at `from`; at `until`
   * the status expires (Slack's own expiration) or, without one, the rep clears it.
   */
  statuses?: SlackAbsence[];
}

export interface SlackAbsence {
  from: number;
  until: number;
  emoji: string;
  text: string;
  expires: boolean;
}

/** The 12 reps of bench/simulation/playbook.yml and how each behaves. */
export function repProfiles(options: SimulationOptions): RepProfile[] {
  const weekAt = (week: number, day = 0, hourUtc = 15) =>
    QUARTER_START.getTime() + week * WEEK + day * 24 * 60 * MINUTE + (hourUtc - 5) * 60 * MINUTE;
  // Leave and departure fall at the same share of a shorter quarter.
  const scale = options.weeks / 13;
  const leave = (startWeek: number, weeks: number) => ({
    from: weekAt(Math.floor(startWeek * scale)),
    until: weekAt(Math.floor(startWeek * scale), Math.max(3, Math.round(weeks * 7 * scale))),
  });
  const sickDay = (week: number, day: number) => ({
    from: weekAt(week, day, 5),
    until: weekAt(week, day + 1, 5),
  });
  return [
    {
      user: "U0SIMREP001",
      name: "Avery",
      team: "na-east",
      speed: "fast",
      persistence: "persistent",
    },
    {
      user: "U0SIMREP002",
      name: "Blake",
      team: "na-east",
      speed: "normal",
      persistence: "two",
      away: leave(3, 2),
    },
    { user: "U0SIMREP003", name: "Casey", team: "na-east", speed: "slow", persistence: "never" },
    {
      user: "U0SIMREP004",
      name: "Devon",
      team: "na-east",
      speed: "normal",
      persistence: "two",
      leaves: weekAt(Math.floor(6.5 * scale), 2),
    },
    { user: "U0SIMREP005", name: "Emery", team: "na-east", speed: "fast", persistence: "two" },
    {
      user: "U0SIMREP006",
      name: "Frida",
      team: "emea",
      speed: "normal",
      persistence: "persistent",
      // Two weeks travelling, "OOO" with no expiration: she clears it when she is back.
      statuses: [{ ...leave(4, 2), emoji: ":airplane:", text: "OOO, back soon", expires: false }],
    },
    {
      user: "U0SIMREP007",
      name: "Gus",
      team: "emea",
      speed: "slow",
      persistence: "two",
      // Two sick days (a Tuesday and a Wednesday), each status set to expire that evening.
      statuses: [2, 8].map((week) => ({
        ...sickDay(Math.floor(week * scale), week === 2 ? 1 : 2),
        emoji: ":face_with_thermometer:",
        text: "Out sick",
        expires: true,
      })),
    },
    {
      user: "U0SIMREP008",
      name: "Hana",
      team: "emea",
      speed: "fast",
      persistence: "never",
      // A week's vacation, the status set to expire when it ends.
      statuses: [{ ...leave(8, 1), emoji: ":palm_tree:", text: "Vacation", expires: true }],
    },
    { user: "U0SIMREP009", name: "Ines", team: "emea", speed: "normal", persistence: "two" },
    {
      user: "U0SIMREP010",
      name: "Jules",
      team: "na-west",
      speed: "normal",
      persistence: "persistent",
    },
    {
      user: "U0SIMREP011",
      name: "Kai",
      team: "na-west",
      speed: "fast",
      persistence: "two",
      away: leave(10, 1),
    },
    { user: "U0SIMREP012", name: "Lou", team: "na-west", speed: "slow", persistence: "never" },
  ];
}

export const MANAGERS: Record<string, string> = {
  "na-east": "U0SIMMGRNA1",
  emea: "U0SIMMGREU1",
  "na-west": "U0SIMMGRWE1",
};

/** Managers act on most ghost alerts, a little while after they arrive. */
export const MANAGER = { acts: 0.9, delayMedian: 20 };

/** Business minutes between two contacts of a rep who is still following up. */
export const TOUCH_GAP = { min: 240, max: 1_275 };

/** In assign mode, the rep a lead is offered to accepts, passes, or lets the offer run out. */
export const OFFER = { accepts: 0.8, passes: 0.1 };

/** The rep's absences: `/leads away` and Slack statuses alike. */
function absences(rep: RepProfile): { from: number; until: number }[] {
  return [...(rep.away ? [rep.away] : []), ...(rep.statuses ?? [])];
}

export function available(rep: RepProfile, at: number): boolean {
  if (rep.leaves !== undefined && at >= rep.leaves) return false;
  return !absences(rep).some((a) => at >= a.from && at < a.until);
}

/** The first instant at or after `at` when the rep is at work again, or undefined if gone. */
export function backAt(rep: RepProfile, at: number): number | undefined {
  if (rep.leaves !== undefined && at >= rep.leaves) return undefined;
  const absence = absences(rep).find((a) => at >= a.from && at < a.until);
  return absence ? absence.until : at;
}

// ---------------------------------------------------------------------------------------------
// Leads

export type Outcome = "convert" | "disqualify" | "nurture" | "silent";

export interface SimLead {
  index: number;
  email: string;
  region: "NA-EAST" | "EMEA" | "NA-WEST";
  team: string;
  arrivesAt: number;
  companySize: number;
  handRaise: "demo_request" | "contact_sales";
  /** What the lead turns out to be once contacted enough... */
  outcome: Outcome;
  /** ...and after how many contacts (Infinity: never answers). */
  contactsNeeded: number;
}

/** Hidden truth about each lead; the same leads in the same order for both worlds. */
const OUTCOMES: { value: { outcome: Outcome; contacts: [number, number] }; weight: number }[] = [
  { value: { outcome: "disqualify", contacts: [1, 2] }, weight: 20 },
  { value: { outcome: "convert", contacts: [1, 4] }, weight: 4 },
  { value: { outcome: "convert", contacts: [5, 12] }, weight: 16 },
  { value: { outcome: "nurture", contacts: [2, 6] }, weight: 30 },
  { value: { outcome: "silent", contacts: [Infinity, Infinity] }, weight: 30 },
];

const REGIONS: { value: { region: SimLead["region"]; team: string }; weight: number }[] = [
  { value: { region: "NA-EAST", team: "na-east" }, weight: 45 },
  { value: { region: "EMEA", team: "emea" }, weight: 33 },
  { value: { region: "NA-WEST", team: "na-west" }, weight: 22 },
];

/** `options.leads` leads arriving at random business minutes of their team over the quarter. */
export function generateLeads(playbook: Playbook, options: SimulationOptions): SimLead[] {
  const random = stream(options.seed, "leads");
  const days = new Map<string, { start: number; end: number }[]>();
  const drafts = Array.from({ length: options.leads }, () => {
    const { region, team } = random.weighted(REGIONS);
    if (!days.has(team)) days.set(team, workingDays(teamCalendar(playbook, team), options.weeks));
    const open = days.get(team)!;
    // A uniformly random business minute of the quarter: a day weighted by its length.
    const total = open.reduce((sum, d) => sum + (d.end - d.start), 0);
    let offset = random.uniform(0, total - MINUTE);
    let day = open[0]!;
    for (day of open) {
      if (offset < day.end - day.start) break;
      offset -= day.end - day.start;
    }
    const arrivesAt = day.start + offset;
    const truth = random.weighted(OUTCOMES);
    return {
      region,
      team,
      arrivesAt: Math.floor(arrivesAt / 1000) * 1000,
      companySize: random.int(5, 2_000),
      handRaise: random.chance(0.7) ? ("demo_request" as const) : ("contact_sales" as const),
      outcome: truth.outcome,
      contactsNeeded: Number.isFinite(truth.contacts[0])
        ? random.int(truth.contacts[0], truth.contacts[1])
        : Number.POSITIVE_INFINITY,
    };
  });
  return drafts
    .sort((a, b) => a.arrivesAt - b.arrivesAt)
    .map((draft, index) => ({ ...draft, index, email: `lead${index}@company${index}.example` }));
}

/** The team's working hours on each day of the quarter, as instants. */
function workingDays(calendar: Calendar, weeks: number): { start: number; end: number }[] {
  const days: { start: number; end: number }[] = [];
  const names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
  const [startH, startM] = calendar.hours.start.split(":").map(Number) as [number, number];
  const [endH, endM] = calendar.hours.end.split(":").map(Number) as [number, number];
  for (let i = 0; i < weeks * 7; i++) {
    // Local dates from the quarter's first Monday; the quarter starts before any team opens.
    const date = new Date(Date.UTC(2026, 0, 5 + i));
    const local = {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
    };
    const iso = date.toISOString().slice(0, 10);
    if (!calendar.hours.days.includes(names[i % 7]!) || calendar.hours.holidays.includes(iso))
      continue;
    days.push({
      start: zonedTime({ ...local, hour: startH, minute: startM }, calendar.timeZone).getTime(),
      end: zonedTime({ ...local, hour: endH, minute: endM }, calendar.timeZone).getTime(),
    });
  }
  return days;
}

export function quarterEnd(options: SimulationOptions): number {
  return QUARTER_START.getTime() + options.weeks * WEEK;
}

export type { Random };

// Business-hours arithmetic in a team's time zone: SLA clocks run only while the team works
// (a lead that arrives Friday 17:55 is not "two days late" on Monday 09:00). Pure functions;
// time zones through Intl, so daylight-saving changes are handled.
import type { BusinessHours } from "#src/playbook/schema.ts";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: (typeof DAYS)[number];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date, timeZone: string): LocalParts {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as LocalParts["weekday"],
  };
}

/** The instant at which the wall clock in `timeZone` shows the given local time. */
export function zonedTime(
  local: { year: number; month: number; day: number; hour: number; minute: number },
  timeZone: string,
): Date {
  const guess = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  // Correct by the zone's offset at the guess, twice to settle across DST changes.
  let instant = guess;
  for (let i = 0; i < 2; i++) {
    const seen = partsIn(new Date(instant), timeZone);
    const seenUtc = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    instant += guess - seenUtc;
  }
  return new Date(instant);
}

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
};

/** The working interval of the local day containing `date`, or undefined on a day off. */
function workingDay(
  date: Date,
  hours: BusinessHours,
  timeZone: string,
): { start: Date; end: Date } | undefined {
  const local = partsIn(date, timeZone);
  const iso = `${local.year}-${String(local.month).padStart(2, "0")}-${String(local.day).padStart(2, "0")}`;
  if (!hours.days.includes(local.weekday) || hours.holidays.includes(iso)) return undefined;
  const day = { year: local.year, month: local.month, day: local.day };
  const start = toMinutes(hours.start);
  const end = toMinutes(hours.end);
  return {
    start: zonedTime({ ...day, hour: Math.floor(start / 60), minute: start % 60 }, timeZone),
    end: zonedTime({ ...day, hour: Math.floor(end / 60), minute: end % 60 }, timeZone),
  };
}

/** Noon of the next local day: a safe point to look at "tomorrow" whatever DST does. */
function nextDay(date: Date, timeZone: string): Date {
  const local = partsIn(date, timeZone);
  const noon = zonedTime(
    { year: local.year, month: local.month, day: local.day, hour: 12, minute: 0 },
    timeZone,
  );
  return new Date(noon.getTime() + 24 * 3_600_000);
}

/**
 * The instant `durationMs` of business time after `from`. Starting outside business hours,
 * the clock starts at the next opening.
 */
export function addBusinessTime(
  from: Date,
  durationMs: number,
  hours: BusinessHours,
  timeZone: string,
): Date {
  let remaining = durationMs;
  let cursor = from;
  for (let guard = 0; guard < 3660; guard++) {
    const day = workingDay(cursor, hours, timeZone);
    if (day && cursor < day.end) {
      const start = cursor > day.start ? cursor : day.start;
      const available = day.end.getTime() - start.getTime();
      if (remaining <= available) return new Date(start.getTime() + remaining);
      remaining -= available;
    }
    const next = nextDay(cursor, timeZone);
    const nextLocal = partsIn(next, timeZone);
    cursor = zonedTime(
      { year: nextLocal.year, month: nextLocal.month, day: nextLocal.day, hour: 0, minute: 0 },
      timeZone,
    );
  }
  throw new Error("business hours: no working time in ten years (check days and holidays)");
}

/** Business time between two instants, in milliseconds (0 when `to` is before `from`). */
export function businessTimeBetween(
  from: Date,
  to: Date,
  hours: BusinessHours,
  timeZone: string,
): number {
  if (to <= from) return 0;
  let total = 0;
  let cursor = from;
  for (let guard = 0; guard < 3660 && cursor < to; guard++) {
    const day = workingDay(cursor, hours, timeZone);
    if (day) {
      const start = Math.max(cursor.getTime(), day.start.getTime());
      const end = Math.min(to.getTime(), day.end.getTime());
      if (end > start) total += end - start;
    }
    const next = nextDay(cursor, timeZone);
    const nextLocal = partsIn(next, timeZone);
    cursor = zonedTime(
      { year: nextLocal.year, month: nextLocal.month, day: nextLocal.day, hour: 0, minute: 0 },
      timeZone,
    );
  }
  return total;
}

/** Whether the team is at work at `at`. */
export function isBusinessTime(at: Date, hours: BusinessHours, timeZone: string): boolean {
  const day = workingDay(at, hours, timeZone);
  return day !== undefined && at >= day.start && at < day.end;
}

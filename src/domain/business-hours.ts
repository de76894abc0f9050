// Business-hours arithmetic in a team's time zone: SLA clocks run only while the team works
// (a lead that arrives Friday 17:55 is not "two days late" on Monday 09:00). Pure functions;
// time zones through Intl, so daylight-saving changes are handled.
import type { BusinessHours } from "#src/playbook/schema.ts";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: (typeof DAYS)[number];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
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
    });
    formatters.set(timeZone, format);
  }
  return format;
}

// Intl formatting costs microseconds per call and an SLA schedule walks weeks of days, so
// the zone's UTC offset is asked once per quarter hour and cached. Offsets are whole quarter
// hours and zones change them at whole local quarter hours, so an offset holds for a whole
// UTC-aligned quarter hour.
const QUARTER_HOUR = 900_000;
const offsets = new Map<string, Map<number, number>>();

function offsetAt(instant: number, timeZone: string): number {
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const bucket = Math.floor(instant / QUARTER_HOUR);
  let offset = zone.get(bucket);
  if (offset === undefined) {
    const at = bucket * QUARTER_HOUR;
    const parts = Object.fromEntries(
      formatter(timeZone)
        .formatToParts(new Date(at))
        .map((p) => [p.type, Number(p.value)]),
    );
    offset = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!) - at;
    if (zone.size >= 100_000) zone.clear(); // bounded: about three years of quarter hours
    zone.set(bucket, offset);
  }
  return offset;
}

/** The wall-clock date and time in `timeZone` at `date`. */
export function localParts(date: Date, timeZone: string): LocalParts {
  const local = new Date(date.getTime() + offsetAt(date.getTime(), timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    weekday: DAYS[local.getUTCDay()]!,
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
  for (let i = 0; i < 2; i++) instant = guess - offsetAt(instant, timeZone);
  return new Date(instant);
}

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
};

interface LocalDay {
  /** The working interval, or undefined on a day off. */
  work: { start: Date; end: Date } | undefined;
  /** Midnight that starts the next local day. */
  next: Date;
}

// SLA schedules walk the same days again and again (every lead of a team, several steps
// each), so each local day's record is kept per calendar (the playbook's hours object).
const dayCache = new WeakMap<BusinessHours, Map<string, LocalDay>>();

/** The local day containing `date` in the team's calendar. */
function localDay(date: Date, hours: BusinessHours, timeZone: string): LocalDay {
  const local = localParts(date, timeZone);
  const iso = `${local.year}-${String(local.month).padStart(2, "0")}-${String(local.day).padStart(2, "0")}`;
  let days = dayCache.get(hours);
  if (!days) {
    days = new Map();
    dayCache.set(hours, days);
  }
  const key = `${timeZone} ${iso}`;
  const cached = days.get(key);
  if (cached) return cached;

  const day = { year: local.year, month: local.month, day: local.day };
  let work: LocalDay["work"];
  if (hours.days.includes(local.weekday) && !hours.holidays.includes(iso)) {
    const start = toMinutes(hours.start);
    const end = toMinutes(hours.end);
    work = {
      start: zonedTime({ ...day, hour: Math.floor(start / 60), minute: start % 60 }, timeZone),
      end: zonedTime({ ...day, hour: Math.floor(end / 60), minute: end % 60 }, timeZone),
    };
  }
  // Noon of the next day is a safe point to find "tomorrow" whatever DST does.
  const noon = zonedTime({ ...day, hour: 12, minute: 0 }, timeZone);
  const tomorrow = localParts(new Date(noon.getTime() + 24 * 3_600_000), timeZone);
  const next = zonedTime(
    { year: tomorrow.year, month: tomorrow.month, day: tomorrow.day, hour: 0, minute: 0 },
    timeZone,
  );
  const record = { work, next };
  if (days.size >= 20_000) days.clear(); // bounded: decades of days per zone
  days.set(key, record);
  return record;
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
    const { work, next } = localDay(cursor, hours, timeZone);
    if (work && cursor < work.end) {
      const start = cursor > work.start ? cursor : work.start;
      const available = work.end.getTime() - start.getTime();
      if (remaining <= available) return new Date(start.getTime() + remaining);
      remaining -= available;
    }
    cursor = next;
  }
  throw new Error("business hours: no working time in ten years (check days and holidays)");
}

const DAY_MS = 86_400_000;

/**
 * A playbook duration after `from`, in the team's business time. Whole days (`3d`) are
 * working days: the same point of the working day, that many working days later (so `1d`
 * from Friday 10:00 is Monday 10:00). The rest (`4h`, `30m`) is business hours. Starting
 * outside business hours, the clock starts at the next opening.
 */
export function addBusinessDuration(
  from: Date,
  durationMs: number,
  hours: BusinessHours,
  timeZone: string,
): Date {
  const days = Math.floor(durationMs / DAY_MS);
  let cursor = addBusinessTime(from, 0, hours, timeZone);
  if (days > 0) {
    const today = localDay(cursor, hours, timeZone);
    const into = cursor.getTime() - (today.work?.start.getTime() ?? cursor.getTime());
    let probe = today.next;
    for (let counted = 0, guard = 0; guard < 3660; guard++) {
      const day = localDay(probe, hours, timeZone);
      if (day.work && ++counted === days) {
        cursor = new Date(Math.min(day.work.start.getTime() + into, day.work.end.getTime()));
        break;
      }
      probe = day.next;
    }
  }
  return addBusinessTime(cursor, durationMs - days * DAY_MS, hours, timeZone);
}

/**
 * The business time between two instants as a playbook duration: whole working days (in
 * `DAY_MS` units, so formatDuration prints "5d") and the business time left over. The
 * inverse of addBusinessDuration: a step due `5d` after a touch reports "5d" at its time.
 */
export function businessDurationBetween(
  from: Date,
  to: Date,
  hours: BusinessHours,
  timeZone: string,
): number {
  let days = 0;
  let cursor = addBusinessDuration(from, 0, hours, timeZone);
  for (; days < 3660; days++) {
    const next = addBusinessDuration(cursor, DAY_MS, hours, timeZone);
    if (next > to) break;
    cursor = next;
  }
  return days * DAY_MS + businessTimeBetween(cursor, to, hours, timeZone);
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
    const { work, next } = localDay(cursor, hours, timeZone);
    if (work) {
      const start = Math.max(cursor.getTime(), work.start.getTime());
      const end = Math.min(to.getTime(), work.end.getTime());
      if (end > start) total += end - start;
    }
    cursor = next;
  }
  return total;
}

/** Whether the team is at work at `at`. */
export function isBusinessTime(at: Date, hours: BusinessHours, timeZone: string): boolean {
  const { work } = localDay(at, hours, timeZone);
  return work !== undefined && at >= work.start && at < work.end;
}

const WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** Local midnight starting the day, and Monday 00:00 starting the week, that contain `at`. */
export function periodStarts(at: Date, timeZone: string): { day: Date; week: Date } {
  const p = localParts(at, timeZone);
  const midnight = (year: number, month: number, day: number) =>
    zonedTime({ year, month, day, hour: 0, minute: 0 }, timeZone);
  const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - WEEK.indexOf(p.weekday)));
  return {
    day: midnight(p.year, p.month, p.day),
    week: midnight(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()),
  };
}

// "just now", "5m ago", "3h ago", "2d ago", then the date ("Nov 3", or "Nov 3, 2025" in another
// year) in the reader's team time zone. Future instants (a sender's clock running ahead) read
// "just now" rather than "in 3m".
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, withYear: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withYear}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      month: "short",
      day: "numeric",
      ...(withYear ? { year: "numeric" } : {}),
    });
    formatters.set(key, format);
  }
  return format;
}

/** The calendar date of `date` in `timeZone`: "Nov 3", with the year when it is not `now`'s. */
export function shortDate(date: Date, now: Date, timeZone = "UTC"): string {
  const year = (d: Date) =>
    formatter(timeZone, true)
      .formatToParts(d)
      .find((p) => p.type === "year");
  const sameYear = year(date)?.value === year(now)?.value;
  return formatter(timeZone, !sameYear).format(date);
}

export function relativeTime(date: Date, now: Date, timeZone = "UTC"): string {
  const age = now.getTime() - date.getTime();
  if (age < MINUTE) return "just now";
  if (age < HOUR) return `${Math.floor(age / MINUTE)}m ago`;
  if (age < DAY) return `${Math.floor(age / HOUR)}h ago`;
  if (age < 7 * DAY) return `${Math.floor(age / DAY)}d ago`;
  return shortDate(date, now, timeZone);
}

import { describe, expect, it } from "vitest";
import {
  addBusinessDuration,
  addBusinessTime,
  businessDurationBetween,
  businessTimeBetween,
  isBusinessTime,
  localParts,
  periodStarts,
  zonedTime,
} from "#src/domain/business-hours.ts";

const week = {
  days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[],
  start: "09:00",
  end: "17:00",
  holidays: [] as string[],
};
const MIN = 60_000;
const H = 60 * MIN;
const at = (iso: string) => new Date(iso);

describe("business hours", () => {
  it("turns a local wall-clock time into an instant, across daylight saving", () => {
    expect(
      zonedTime(
        { year: 2026, month: 7, day: 1, hour: 9, minute: 0 },
        "Europe/Berlin",
      ).toISOString(),
    ).toBe("2026-07-01T07:00:00.000Z");
    expect(
      zonedTime(
        { year: 2026, month: 12, day: 1, hour: 9, minute: 0 },
        "Europe/Berlin",
      ).toISOString(),
    ).toBe("2026-12-01T08:00:00.000Z");
    expect(
      zonedTime(
        { year: 2026, month: 11, day: 20, hour: 9, minute: 0 },
        "America/New_York",
      ).toISOString(),
    ).toBe("2026-11-20T14:00:00.000Z");
  });

  it("carries an SLA over the weekend", () => {
    // Friday 16:50 in Berlin (15:50 UTC) + 15 business minutes = Monday 09:05.
    expect(
      addBusinessTime(at("2026-11-20T15:50:00Z"), 15 * MIN, week, "Europe/Berlin").toISOString(),
    ).toBe("2026-11-23T08:05:00.000Z");
  });

  it("starts the clock at the next opening for a lead that arrives at night or on a weekend", () => {
    // Saturday noon in New York + 1 h = Monday 10:00 New York.
    expect(
      addBusinessTime(at("2026-11-21T17:00:00Z"), H, week, "America/New_York").toISOString(),
    ).toBe("2026-11-23T15:00:00.000Z");
    // Tuesday 06:00 + 30 min = Tuesday 09:30.
    expect(
      addBusinessTime(at("2026-11-24T11:00:00Z"), 30 * MIN, week, "America/New_York").toISOString(),
    ).toBe("2026-11-24T14:30:00.000Z");
  });

  it("counts the same instant differently in different time zones", () => {
    const friday1600Utc = at("2026-11-20T16:00:00Z");
    // 17:00 in Berlin: closed, next opening Monday. 11:00 in New York: open.
    expect(addBusinessTime(friday1600Utc, H, week, "Europe/Berlin").toISOString()).toBe(
      "2026-11-23T09:00:00.000Z",
    );
    expect(addBusinessTime(friday1600Utc, H, week, "America/New_York").toISOString()).toBe(
      "2026-11-20T17:00:00.000Z",
    );
    // 01:00 Saturday in Tokyo.
    expect(isBusinessTime(friday1600Utc, week, "Asia/Tokyo")).toBe(false);
    expect(isBusinessTime(friday1600Utc, week, "America/New_York")).toBe(true);
  });

  it("handles the night daylight saving ends", () => {
    // Friday 2026-10-23 16:30 Berlin (CEST, 14:30 UTC) + 1 h = Monday 26th 09:30 CET (08:30 UTC).
    expect(
      addBusinessTime(at("2026-10-23T14:30:00Z"), H, week, "Europe/Berlin").toISOString(),
    ).toBe("2026-10-26T08:30:00.000Z");
  });

  it("skips holidays and spans several days", () => {
    const withHoliday = { ...week, holidays: ["2026-11-23"] };
    expect(
      addBusinessTime(at("2026-11-20T16:00:00Z"), 2 * H, withHoliday, "UTC").toISOString(),
    ).toBe("2026-11-24T10:00:00.000Z");
    // 3 business days of 8 h from Monday 09:00 = Wednesday 17:00.
    expect(addBusinessTime(at("2026-11-23T09:00:00Z"), 24 * H, week, "UTC").toISOString()).toBe(
      "2026-11-25T17:00:00.000Z",
    );
  });

  it("measures business time between two instants", () => {
    // Friday 16:00 to Monday 10:00 in UTC: 1 h + 1 h.
    expect(
      businessTimeBetween(at("2026-11-20T16:00:00Z"), at("2026-11-23T10:00:00Z"), week, "UTC"),
    ).toBe(2 * H);
    expect(
      businessTimeBetween(at("2026-11-21T10:00:00Z"), at("2026-11-21T12:00:00Z"), week, "UTC"),
    ).toBe(0);
    expect(
      businessTimeBetween(at("2026-11-23T10:00:00Z"), at("2026-11-23T09:00:00Z"), week, "UTC"),
    ).toBe(0);
    // Inverse of addBusinessTime.
    const from = at("2026-11-20T15:50:00Z");
    const due = addBusinessTime(from, 75 * MIN, week, "Europe/Berlin");
    expect(businessTimeBetween(from, due, week, "Europe/Berlin")).toBe(75 * MIN);
  });

  it("agrees with Intl in zones with odd offsets and half-hour daylight saving", () => {
    // The offset cache assumes zones change offset only at UTC quarter hours: check the local
    // time every 7 minutes through a year in Kathmandu (+5:45), Chatham (+12:45/+13:45), Lord
    // Howe (30-minute DST), New York and Kolkata (+5:30) against Intl itself.
    const zones = [
      "Asia/Kathmandu",
      "Pacific/Chatham",
      "Australia/Lord_Howe",
      "America/New_York",
      "Asia/Kolkata",
    ];
    for (const timeZone of zones) {
      const format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        weekday: "short",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
      });
      let mismatches = 0;
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * MIN) {
        const parts = Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
        const ours = localParts(new Date(t), timeZone);
        if (
          ours.day !== Number(parts.day) ||
          ours.hour !== Number(parts.hour) ||
          ours.minute !== Number(parts.minute) ||
          ours.weekday !== String(parts.weekday).toLowerCase().slice(0, 3)
        )
          mismatches += 1;
      }
      expect(mismatches, timeZone).toBe(0);
    }
  });

  it("counts a playbook day as a working day, at the same point of the day", () => {
    const ny = "America/New_York";
    const hours = { ...week, holidays: ["2026-11-26"] }; // Thanksgiving
    const friday10 = at("2026-11-20T15:00:00Z");
    // 1d from Friday 10:00 is Monday 10:00; 3d skips the holiday Thursday.
    expect(addBusinessDuration(friday10, 24 * H, hours, ny)).toEqual(at("2026-11-23T15:00:00Z"));
    expect(addBusinessDuration(friday10, 72 * H, hours, ny)).toEqual(at("2026-11-25T15:00:00Z"));
    expect(addBusinessDuration(friday10, 96 * H, hours, ny)).toEqual(at("2026-11-27T15:00:00Z"));
    // From a closed time, the day starts at the next opening: Saturday + 1d is Tuesday 09:00.
    expect(addBusinessDuration(at("2026-11-21T15:00:00Z"), 24 * H, hours, ny)).toEqual(
      at("2026-11-24T14:00:00Z"),
    );
    // Days, then business hours: Thursday 16:00 + 1d4h = Friday 16:00 + 4h = Monday 12:00.
    expect(addBusinessDuration(at("2026-11-19T21:00:00Z"), 28 * H, hours, ny)).toEqual(
      at("2026-11-23T17:00:00Z"),
    );
    // Under a day it is plain business time.
    expect(addBusinessDuration(friday10, 8 * H, hours, ny)).toEqual(
      addBusinessTime(friday10, 8 * H, hours, ny),
    );
    // And back: the age of a step due "5d" after a touch reads "5d".
    const due = addBusinessDuration(friday10, 5 * 24 * H, hours, ny);
    expect(businessDurationBetween(friday10, due, hours, ny)).toBe(5 * 24 * H);
    expect(businessDurationBetween(friday10, new Date(due.getTime() + 2 * H), hours, ny)).toBe(
      5 * 24 * H + 2 * H,
    );
    expect(businessDurationBetween(friday10, at("2026-11-20T16:30:00Z"), hours, ny)).toBe(90 * MIN);
  });
});

describe("periodStarts", () => {
  it("finds the local day and the Monday-started week, across time zones and DST", () => {
    // Sunday 23:30 in New York is Monday 04:30 UTC: still Sunday's day, the week before's week.
    const sunday = periodStarts(new Date("2026-11-23T04:30:00Z"), "America/New_York");
    expect(sunday.day.toISOString()).toBe("2026-11-22T05:00:00.000Z");
    expect(sunday.week.toISOString()).toBe("2026-11-16T05:00:00.000Z");
    const berlin = periodStarts(new Date("2026-11-23T04:30:00Z"), "Europe/Berlin");
    expect(berlin.day.toISOString()).toBe("2026-11-22T23:00:00.000Z");
    expect(berlin.week.toISOString()).toBe("2026-11-22T23:00:00.000Z");
    // Sunday 29 March 2026 in Berlin, the day summer time starts: the week began in winter time.
    const spring = periodStarts(new Date("2026-03-29T12:00:00Z"), "Europe/Berlin");
    expect(spring.week.toISOString()).toBe("2026-03-22T23:00:00.000Z");
    expect(spring.day.toISOString()).toBe("2026-03-28T23:00:00.000Z");
  });
});

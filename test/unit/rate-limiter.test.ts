// The CRM rate limiter: at most `max` calls start in any window, in the order they were made,
// and a hold (a 429's Retry-After) stops every call until it passes. Fake timers: the clock
// moves only when the test moves it, so the start times are exact.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateLimiter } from "#src/crm/rate-limiter.ts";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `count` calls at once; resolves with the time each started, by call. */
function burst(limiter: RateLimiter, count: number) {
  const starts: number[] = [];
  const done = Promise.all(
    Array.from({ length: count }, (_, i) =>
      limiter.run(async () => {
        starts[i] = Date.now();
      }),
    ),
  );
  return { starts, done };
}

describe("RateLimiter", () => {
  it("starts at most max calls in any window, in order", async () => {
    const limiter = new RateLimiter({ max: 3, windowMs: 10_000 });
    const { starts, done } = burst(limiter, 7);
    await vi.advanceTimersByTimeAsync(25_000);
    await done;
    expect(starts).toEqual([0, 0, 0, 10_000, 10_000, 10_000, 20_000]);
  });

  it("counts a sliding window, not fixed slots", async () => {
    const limiter = new RateLimiter({ max: 2, windowMs: 1_000 });
    const first = burst(limiter, 1);
    await vi.advanceTimersByTimeAsync(600);
    const later = burst(limiter, 2);
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all([first.done, later.done]);
    // The second call fits at 600 ms; the third waits until the first leaves the window.
    expect([...first.starts, ...later.starts]).toEqual([0, 600, 1_000]);
  });

  it("holds every call until a Retry-After has passed", async () => {
    const limiter = new RateLimiter({ max: 100, windowMs: 10_000 });
    limiter.hold(3_000);
    const { starts, done } = burst(limiter, 3);
    expect(limiter.queued).toBe(3);
    await vi.advanceTimersByTimeAsync(5_000);
    await done;
    expect(starts).toEqual([3_000, 3_000, 3_000]);
    expect(limiter.queued).toBe(0);
  });

  it("refuses a limit that allows nothing", () => {
    expect(() => new RateLimiter({ max: 0, windowMs: 10_000 })).toThrow(/max >= 1/);
  });
});

import { describe, expect, it } from "vitest";
import { KeyedQueue } from "#src/lib/keyed-queue.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("KeyedQueue", () => {
  it("runs one key's tasks one after another, in order, and other keys side by side", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      queue.run("L-1", task("a1")),
      queue.run("L-1", task("a2")),
      queue.run("L-2", task("b1")),
    ]);
    expect(results).toEqual(["a1", "a2", "b1"]);
    expect(log.indexOf("a2 start")).toBeGreaterThan(log.indexOf("a1 end"));
    expect(log.indexOf("b1 start")).toBeLessThan(log.indexOf("a1 end"));
    expect(queue.size).toBe(0);
  });

  it("goes on with the next task when one fails, and hands the failure to its caller", async () => {
    const queue = new KeyedQueue();
    const first = queue.run("L-1", async () => {
      throw new Error("refused");
    });
    const second = queue.run("L-1", async () => "next");
    await expect(first).rejects.toThrow("refused");
    await expect(second).resolves.toBe("next");
  });
});

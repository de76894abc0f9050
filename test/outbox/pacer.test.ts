import { describe, expect, it } from "vitest";
import { Pacer } from "#src/outbox/pacer.ts";

describe("pacer", () => {
  it("spaces messages to one channel at its rate, and other channels are not held up", async () => {
    const pacer = new Pacer(10, 1);
    const order: string[] = [];
    const started = performance.now();
    await pacer.take("C1");
    const second = pacer.take("C1").then(() => order.push("C1"));
    const other = pacer.take("C2").then(() => order.push("C2"));
    await Promise.all([second, other]);
    expect(order).toEqual(["C2", "C1"]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("keeps a message that is waiting for its turn back when the channel is rate limited meanwhile", async () => {
    // Found by bench:slack-faults (#13): a thread reply waiting 1.1 s for a token went out
    // 1.1 s into a 2 s Retry-After that a 429 for another message had set while it waited.
    const pacer = new Pacer(10, 1);
    await pacer.take("C1");
    const started = performance.now();
    const waiting = pacer.take("C1").then(() => performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
    pacer.hold("C1", 400);
    expect(await waiting).toBeGreaterThanOrEqual(400);
  });
});

import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "#src/config.ts";
import { createLogger } from "#src/logger.ts";
import { handlersFor } from "#src/outbox/messages.ts";
import { OutboxWorker } from "#src/outbox/outbox-worker.ts";
import { recordFacts } from "#src/outbox/subscribers.ts";
import { webhookHandler } from "#src/outbox/webhooks.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const SECRET = "whsec-0123456789abcdef0123456789";
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let answers: number[] = [];
let receiver: Server;
let url = "";
beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
    res.statusCode = answers.shift() ?? 200;
    res.end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(() => {
  receiver.closeAllConnections();
  receiver.close();
});
const database = useTestDatabase();

describe("outbound webhooks", () => {
  it("delivers each lifecycle event signed, retrying until the receiver accepts it", async () => {
    const config = { urls: [url], secret: SECRET };
    const lead = await database.current.prisma.lead.create({
      data: { email: "wh@x.io", emailDomain: "x.io" },
    });
    const at = new Date("2026-11-20T15:00:00Z");
    // A claim, as the lifecycle records it: the webhook subscriber queues the delivery.
    const playbook = await loadPlaybook("manifests/playbook.yml");
    await database.current.prisma.$transaction((tx) =>
      recordFacts(
        tx,
        { playbook, webhooks: config, now: at },
        {
          leadId: lead.id,
          number: lead.number,
          teamKey: null,
          at: at.toISOString(),
          type: "claimed",
          by: "U0ANA00001",
        },
      ),
    );
    let clock = Date.now();
    const worker = new OutboxWorker({
      db: database.current,
      logger: createLogger({ level: "silent" }),
      clock: { now: () => new Date(clock) },
      handlers: handlersFor(webhookHandler(config, () => new Date(clock))),
    });
    answers = [503];
    await worker.drain();
    expect(received).toHaveLength(1);
    clock += 5_000;
    await worker.drain();
    expect(received).toHaveLength(2);

    const delivery = received[1]!;
    const body = JSON.parse(delivery.body);
    expect(body).toMatchObject({
      event: "lead.claimed",
      occurredAt: at.toISOString(),
      data: { leadId: lead.id, owner: "U0ANA00001" },
    });
    expect(delivery.headers["x-baton-event"]).toBe("lead.claimed");
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(
      String(delivery.headers["x-baton-signature"]),
    )!;
    expect(v1).toBe(createHmac("sha256", SECRET).update(`${t}.${delivery.body}`).digest("hex"));
    expect(
      await database.current.prisma.outboxMessage.count({
        where: { kind: "webhook", status: "DONE" },
      }),
    ).toBe(1);
  });

  it("needs a secret when webhook URLs are configured", () => {
    expect(() =>
      loadConfig({ WEBHOOK_URLS: "https://crm.example.com/h" }, { requireSlack: false }),
    ).toThrow(/WEBHOOK_SECRET is required when WEBHOOK_URLS is set/);
  });
});

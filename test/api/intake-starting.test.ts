// While Baton starts (port open, database and Slack check not done yet), intake answers 503
// with Retry-After, not 404: found by bench:crash (#7), where clients retrying into a
// restarting Baton got 404s that a real intake client would take for a wrong URL.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { INTAKE_TOKEN, startTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const slack = useFakeSlack();
const database = useTestDatabase();

describe("intake while Baton starts", () => {
  it("answers 503 with Retry-After until its routes are ready, then takes the lead", async () => {
    const port = await freePort();
    // Slack's auth.test takes 3 s: Baton is listening, but not ready, all that time.
    slack.current.fail("auth.test", { delayMs: 3000 });
    const starting = startTestApp({
      db: database.current,
      slackApiUrl: slack.current.url,
      env: { PORT: String(port) },
    });
    const post = () =>
      fetch(`http://127.0.0.1:${port}/api/v1/leads`, {
        method: "POST",
        headers: { authorization: `Bearer ${INTAKE_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ email: "early@starting.example" }),
      });
    let early: Response | undefined;
    for (let i = 0; i < 100 && !early; i++) {
      early = await post().catch(() => undefined);
      if (!early) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(early?.status).toBe(503);
    expect(early?.headers.get("retry-after")).toBe("5");
    expect(await early?.json()).toMatchObject({ error: "starting" });
    expect(await database.current.prisma.lead.count()).toBe(0);

    const app = await starting;
    try {
      const later = await post();
      expect(later.status).toBe(201);
      // Unknown paths are 404 again once started.
      const unknown = await fetch(`http://127.0.0.1:${port}/api/v1/nothing`);
      expect(unknown.status).toBe(404);
    } finally {
      await app.stop();
    }
  }, 30_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

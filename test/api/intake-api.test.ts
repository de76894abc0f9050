import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTAKE_TOKEN, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

// The intake API does not talk to Slack; Baton only checks its token at start.
let slack: Server;
let slackUrl = "";
beforeAll(async () => {
  slack = createServer((_req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ ok: true, team_id: "T1", user_id: "UBOT", bot_id: "B1" }));
  });
  await new Promise<void>((resolve) => slack.listen(0, "127.0.0.1", resolve));
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`;
});
afterAll(() => {
  slack.closeAllConnections();
  slack.close();
});

const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: slackUrl }));

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${app.current.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${INTAKE_TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    headers: response.headers,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
type Json = any;

const at = "2026-11-20T15:00:00Z";

describe("POST /api/v1/leads", () => {
  it("creates a lead with its activities (201), then updates it (200)", async () => {
    const created = await call("POST", "/api/v1/leads", {
      email: "Dana.Scully@FBI-Example.gov",
      name: "Dana Scully",
      title: "Director, Contact Center",
      companySize: 250,
      source: "Webinar",
      campaign: "Q4 CX webinar",
      activities: [{ type: "webinar_attended", occurredAt: at, eventName: "CX in 2027" }],
    });
    expect(created.status).toBe(201);
    expect(created.body.lead).toMatchObject({
      created: true,
      activitiesAdded: 1,
      ref: expect.stringMatching(/^L-\d+$/),
    });

    const updated = await call("POST", "/api/v1/leads", {
      email: "dana.scully@fbi-example.gov",
      phone: "+1 202 555 0100",
    });
    expect(updated.status).toBe(200);
    expect(updated.body.lead).toMatchObject({ id: created.body.lead.id, created: false });

    const detail = await call("GET", `/api/v1/leads/${created.body.lead.ref}`);
    expect(detail.status).toBe(200);
    expect(detail.body.lead).toMatchObject({
      email: "dana.scully@fbi-example.gov",
      firstName: "Dana",
      lastName: "Scully",
      phone: "+1 202 555 0100",
      status: "NURTURE",
    });
    expect(detail.body.lead.timeline).toEqual([
      expect.objectContaining({ type: "webinar_attended", eventName: "CX in 2027" }),
    ]);
    expect(detail.body.lead.events.map((e: { type: string }) => e.type)).toEqual([
      "captured",
      "nurtured",
      "merged",
    ]);
  });

  it("qualifies a lead that asks for a demo", async () => {
    const result = await call("POST", "/api/v1/leads", {
      email: "fox@example.org",
      activities: [{ type: "demo_request", occurredAt: at, message: "Demo for 120 agents please" }],
    });
    expect(result.body.lead).toMatchObject({ status: "QUALIFIED", qualified: true });
  });

  it("answers 400 with field-level issues and writes nothing", async () => {
    const before = await database.current.prisma.lead.count();
    const result = await call("POST", "/api/v1/leads", {
      email: "not-an-email",
      companySize: "big",
      nmae: "typo",
      activities: [{ type: "teleport", occurredAt: "yesterday" }],
    });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe("bad_request");
    const paths = result.body.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "email",
        "companySize",
        "activities.0.type",
        "activities.0.occurredAt",
        "",
      ]),
    );
    expect(result.body.issues.find((i: { path: string }) => i.path === "email").message).toMatch(
      /email address/,
    );
    expect(await database.current.prisma.lead.count()).toBe(before);
  });

  it("refuses a missing or wrong token with 401", async () => {
    expect(
      (await call("POST", "/api/v1/leads", { email: "a@b.co" }, { authorization: "" })).status,
    ).toBe(401);
    const wrong = await call(
      "POST",
      "/api/v1/leads",
      { email: "a@b.co" },
      { authorization: "Bearer nope-nope-nope-nope-nope-nope" },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("answers 415 for non-JSON, 413 over the limit, 400 for broken JSON", async () => {
    expect(
      (
        await call("POST", "/api/v1/leads", "email=a@b.co", {
          "content-type": "application/x-www-form-urlencoded",
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await call(
          "POST",
          "/api/v1/leads",
          `{"email":"a@b.co","title":"${"x".repeat(3 * 1024 * 1024)}"}`,
        )
      ).status,
    ).toBe(413);
    const broken = await call("POST", "/api/v1/leads", '{"email": "a@b.co",');
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/not valid JSON/);
    expect(
      (await call("POST", "/api/v1/leads", `${"[".repeat(100)}${"]".repeat(100)}`)).status,
    ).toBe(400);
  });

  it("replays the first answer for a retried Idempotency-Key, refuses its reuse for another body", async () => {
    const body = {
      email: "retry@example.com",
      activities: [{ type: "page_view", occurredAt: at, url: "https://x.io/a" }],
    };
    const first = await call("POST", "/api/v1/leads", body, { "idempotency-key": "abc-123" });
    const again = await call("POST", "/api/v1/leads", body, { "idempotency-key": "abc-123" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await call(
      "POST",
      "/api/v1/leads",
      { ...body, title: "CEO" },
      { "idempotency-key": "abc-123" },
    );
    expect(other.status).toBe(422);
  });

  it.each([
    ["an Idempotency-Key", { "idempotency-key": "same-batch-1" }, {}],
    ["an externalId", {}, { externalId: "crm-same-batch" }],
  ])(
    "answers a retry sent while the first is still being written (%s) with the first answer",
    async (_name, headers, extra) => {
      const body = {
        email: `same-batch-${Object.keys(headers).length}@example.com`,
        ...extra,
        activities: [{ type: "pricing_page", occurredAt: at, url: "https://x.io/pricing" }],
      };
      // Sent together while the database is held, so that none of them is answered before the
      // others arrive: without care, each would be captured (created, then merged twice).
      let sent: Promise<Awaited<ReturnType<typeof call>>[]> | undefined;
      await database.current.transaction(async (sql) => {
        if (database.current.kind === "postgres") {
          await sql.query('LOCK TABLE "Lead" IN SHARE ROW EXCLUSIVE MODE');
        }
        sent = Promise.all([
          call("POST", "/api/v1/leads", body, headers),
          call("POST", "/api/v1/leads", body, headers),
          call("POST", "/api/v1/leads", { email: `bystander-${Object.keys(headers).length}@x.io` }),
          call("POST", "/api/v1/leads", body, headers),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 500));
      });
      const responses = await sent!;
      const first = responses[0]!;
      const retries = [responses[1]!, responses[3]!];
      expect(first.status).toBe(201);
      for (const retry of retries) {
        expect(retry.status).toBe(201);
        expect(retry.body).toEqual(first.body);
        expect(retry.headers.get("idempotent-replayed")).toBe("true");
      }
      const events = await database.current.prisma.leadEvent.findMany({
        where: { leadId: first.body.lead.id },
      });
      expect(events.map((e) => e.type)).toEqual(["captured", "nurtured"]);
    },
  );

  it("treats a retried request with the same externalId as a replay", async () => {
    const body = {
      email: "ext@example.com",
      externalId: "hubspot-991",
      activities: [{ type: "page_view", occurredAt: at }],
    };
    const first = await call("POST", "/api/v1/leads", body);
    const again = await call("POST", "/api/v1/leads", body);
    expect(again.body).toEqual(first.body);
    const lead = await database.current.prisma.lead.findUniqueOrThrow({
      where: { email: "ext@example.com" },
      include: { activities: true },
    });
    expect(lead.activities).toHaveLength(1);
  });
});

describe("POST /api/v1/activities", () => {
  it("appends activities to known and new leads in one go", async () => {
    const known = await call("POST", "/api/v1/leads", { email: "known@example.com" });
    const result = await call("POST", "/api/v1/activities", {
      activities: [
        {
          leadId: known.body.lead.id,
          type: "pricing_page",
          occurredAt: at,
          url: "https://x.io/pricing",
        },
        { email: "known@example.com", type: "content_download", occurredAt: at, title: "CX guide" },
        {
          email: "brand-new@example.com",
          type: "event_scan",
          occurredAt: at,
          eventName: "CCW Las Vegas",
          colleague: "Maria",
          colleagueNote: "Wants SSO",
        },
      ],
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(result.body.leads).toHaveLength(2);
    expect(result.body.leads.find((l: { id: string }) => l.id !== known.body.lead.id).created).toBe(
      true,
    );
  });

  it("rejects the whole batch when one activity names an unknown lead", async () => {
    const result = await call("POST", "/api/v1/activities", {
      activities: [
        { email: "batch-ok@example.com", type: "page_view", occurredAt: at },
        { leadId: "0190b5a0-0000-7000-8000-000000000000", type: "page_view", occurredAt: at },
      ],
    });
    expect(result.status).toBe(422);
    expect(result.body.issues).toEqual([expect.objectContaining({ path: "activities.1.leadId" })]);
    expect(
      await database.current.prisma.lead.count({ where: { email: "batch-ok@example.com" } }),
    ).toBe(0);
  });

  it("accepts at most 1,000 activities", async () => {
    const activities = Array.from({ length: 1001 }, () => ({
      email: "many@example.com",
      type: "page_view",
      occurredAt: at,
    }));
    const result = await call("POST", "/api/v1/activities", { activities });
    expect(result.status).toBe(400);
    expect(result.body.issues[0].message).toMatch(/at most 1000/);
  });
});

describe("GET /api/v1/leads/:id", () => {
  it("answers 404 for an unknown lead", async () => {
    expect((await call("GET", "/api/v1/leads/L-999999")).status).toBe(404);
    expect((await call("GET", "/api/v1/leads/%E0%A4%A")).status).toBe(404);
  });
});

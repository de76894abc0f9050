// Bad input, generated: fast-check throws malformed requests at the intake API of the real app
// (wrong types, missing fields, huge and odd strings, deep JSON, invalid UTF-8, wrong content
// types, bad Idempotency-Keys). Every answer must be a 4xx with a JSON error body, never a 5xx
// or a dropped connection, and nothing may be written. Bounded here; bench/fuzz runs more.
import { request } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { INTAKE_TOKEN, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  env: { INTAKE_MAX_BODY_BYTES: "65536" },
}));

function send(
  path: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${app.current.url}${path}`,
      { method: "POST", agent: false, headers: { ...headers, "content-length": body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const junk = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ minLength: 5000, maxLength: 20000 }),
);
const deep = fc
  .integer({ min: 50, max: 3000 })
  .map((depth) => "[".repeat(depth) + "]".repeat(depth));
const field = fc.constantFrom(
  "email",
  "firstName",
  "companySize",
  "country",
  "source",
  "campaign",
  "phone",
  "title",
  "activities",
  "attributes",
  "externalIds",
  "occurredAt",
  "type",
  "leadEmail",
);
const record = fc.dictionary(
  field,
  fc.oneof(junk, fc.array(fc.dictionary(field, junk), { maxLength: 3 })),
  { maxKeys: 8 },
);

const bodies = fc.oneof(
  record.map((r) => Buffer.from(JSON.stringify(r))),
  fc.array(record, { maxLength: 5 }).map((r) => Buffer.from(JSON.stringify({ activities: r }))),
  deep.map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), // {"e":"\xff\xfe"}
  fc.string().map((s) => Buffer.from(`{"email": "${s}`)),
  fc.constant(Buffer.alloc(70_000, 0x61)),
);
const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
);
const idempotencyKeys = fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.constant("")), {
  nil: undefined,
});

async function counts() {
  const { prisma } = database.current;
  return {
    leads: await prisma.lead.count(),
    activities: await prisma.activity.count(),
    events: await prisma.leadEvent.count(),
    outbox: await prisma.outboxMessage.count(),
  };
}

describe("intake under generated bad input", () => {
  it("answers every malformed request with a 4xx and writes nothing", async () => {
    const before = await counts();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/v1/leads", "/api/v1/activities"),
        bodies,
        contentTypes,
        idempotencyKeys,
        async (path, body, contentType, key) => {
          // Valid JSON objects can happen to be valid leads; keep to what must be refused.
          const headers: Record<string, string> = {
            authorization: `Bearer ${INTAKE_TOKEN}`,
            "content-type": contentType,
          };
          if (key !== undefined) headers["idempotency-key"] = key.replace(/[^\t\x20-\x7e]/g, "?");
          const response = await send(path, body, headers);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 200 && response.status < 300) return; // counted below
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(() => JSON.parse(response.text)).not.toThrow();
        },
      ),
      { numRuns: 300, seed: 20261122 },
    );
    const accepted = [...statuses.entries()]
      .filter(([s]) => s < 300)
      .reduce((n, [, c]) => n + c, 0);
    expect(accepted).toBe(0);
    expect(await counts()).toEqual(before);
    // The app still serves a good request.
    const ok = await send(
      "/api/v1/leads",
      Buffer.from(JSON.stringify({ email: "after-fuzz@example.com" })),
      { authorization: `Bearer ${INTAKE_TOKEN}`, "content-type": "application/json" },
    );
    expect(ok.status).toBe(201);
  });
});

// A named statement (SqlSession.query's third argument) is parsed once per connection: pg's
// prepared statements on PostgreSQL, the extended protocol spoken through execProtocol on
// PGlite. It must behave as an unnamed one: same rows and types, errors that leave the
// connection usable, inside and outside a transaction, beside other queries.
import { describe, expect, it } from "vitest";
import { jsonbParam } from "#src/db/jsonb-param.ts";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();

const UPSERT = `INSERT INTO "Account" ("id", "domain", "name", "updatedAt")
  VALUES ($1::uuid, $2::text, $3::text, $4::timestamp(3))
  RETURNING "domain", "name", (extract(epoch FROM "updatedAt") * 1000)::float8 AS "at"`;

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`;

describe("a named statement", () => {
  it("returns what the same unnamed statement returns, and can be run again", async () => {
    const db = database.current;
    const at = new Date("2026-11-20T09:30:00.000Z");
    const first = await db.withSession((sql) =>
      sql.query(UPSERT, [id(1), "named-a.example", "A", at.toISOString()], "test_upsert"),
    );
    const second = await db.withSession((sql) =>
      sql.query(UPSERT, [id(2), "named-b.example", null, at.toISOString()], "test_upsert"),
    );
    const unnamed = await db.withSession((sql) =>
      sql.query(UPSERT, [id(3), "named-c.example", "C", at.toISOString()]),
    );
    expect(first).toEqual([{ domain: "named-a.example", name: "A", at: at.getTime() }]);
    expect(second).toEqual([{ domain: "named-b.example", name: null, at: at.getTime() }]);
    expect(unnamed).toEqual([{ domain: "named-c.example", name: "C", at: at.getTime() }]);
  });

  it("fails with the database's error and leaves the connection usable", async () => {
    const db = database.current;
    const at = new Date().toISOString();
    await db.withSession((sql) =>
      sql.query(UPSERT, [id(11), "named-dup.example", "X", at], "test_upsert_dup"),
    );
    await expect(
      db.withSession((sql) =>
        sql.query(UPSERT, [id(12), "named-dup.example", "Y", at], "test_upsert_dup"),
      ),
    ).rejects.toMatchObject({ code: "23505" });
    const after = await db.withSession((sql) =>
      sql.query(UPSERT, [id(13), "named-ok.example", "Z", at], "test_upsert_dup"),
    );
    expect(after).toHaveLength(1);
    const domains = ["named-dup.example", "named-ok.example"];
    expect(await db.prisma.account.count({ where: { domain: { in: domains } } })).toBe(2);
  });

  it("runs in the caller's transaction: rolled back with it", async () => {
    const db = database.current;
    const at = new Date().toISOString();
    await expect(
      db.transaction(async (sql) => {
        await sql.query(UPSERT, [id(21), "named-tx.example", "T", at], "test_upsert_tx");
        const [seen] = await sql.query(
          `SELECT count(*)::int AS n FROM "Account" WHERE "domain" = $1`,
          ["named-tx.example"],
        );
        expect(seen).toEqual({ n: 1 });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await db.prisma.account.count({ where: { domain: "named-tx.example" } })).toBe(0);
  });

  it("does not interleave with queries sent at the same time", async () => {
    const db = database.current;
    const at = new Date().toISOString();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        n % 2 === 0
          ? db.withSession((sql) =>
              sql.query(UPSERT, [id(100 + n), `named-many-${n}.example`, null, at], "test_many"),
            )
          : db.prisma.account.findMany({ where: { domain: { startsWith: "named-many-" } } }),
      ),
    );
    expect(results.filter((rows) => rows.length > 0).length).toBeGreaterThanOrEqual(10);
    expect(
      await db.prisma.account.count({ where: { domain: { startsWith: "named-many-" } } }),
    ).toBe(10);
  });

  it("takes a JSON document as a binary jsonb parameter, whatever characters it holds", async () => {
    const db = database.current;
    const document = [
      { name: "Zoë López-Müller", note: 'a "quoted"\nline; <!channel> \\ 😀 中文', n: 1 },
      { name: "Ana", note: null, n: 2 },
    ];
    const rows = await db.withSession((sql) =>
      sql.query(
        `SELECT x."name", x."note", x."n", $1::jsonb = $2::text::jsonb AS "same"
           FROM jsonb_to_recordset($1::jsonb) AS x("name" text, "note" text, "n" int)
          ORDER BY x."n"`,
        [jsonbParam(document), JSON.stringify(document)],
        "test_jsonb_param",
      ),
    );
    expect(rows).toEqual([
      { ...document[0], same: true },
      { ...document[1], same: true },
    ]);
  });
});

// PGlite's own query() would serialize a Uint8Array as a JavaScript value, so an unnamed
// statement with a binary parameter must take the extended-protocol path too.
describe("an unnamed statement", () => {
  it("stores a binary jsonb parameter exactly, outside and inside a transaction", async () => {
    const db = database.current;
    const document = { name: "Zoë López-Müller", note: 'a "quoted"\nline \\ 😀 中文', n: 1 };
    const insert = `INSERT INTO "IdempotencyKey" ("key", "requestHash", "statusCode", "response")
      VALUES ($1, 'h', 200, $2::jsonb) RETURNING "response"`;
    const outside = await db.withSession((sql) =>
      sql.query(insert, ["unnamed-outside", jsonbParam(document)]),
    );
    const inside = await db.transaction((sql) =>
      sql.query(insert, ["unnamed-inside", jsonbParam(document)]),
    );
    expect({ outside, inside }).toEqual({
      outside: [{ response: document }],
      inside: [{ response: document }],
    });
    const stored = await db.prisma.idempotencyKey.findMany({
      where: { key: { startsWith: "unnamed-" } },
      orderBy: { key: "asc" },
    });
    expect(stored.map((row) => [row.key, row.response])).toEqual([
      ["unnamed-inside", document],
      ["unnamed-outside", document],
    ]);
  });
});

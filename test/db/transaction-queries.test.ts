// Prisma loads an include's relations side by side; inside a transaction they share one
// connection. On PostgreSQL that made pg warn (and pg 9 will refuse): every refused claim,
// which explains itself from the lead's owner and offered rep, printed a DeprecationWarning.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "#test/setup/database.ts";

const database = useTestDatabase();
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings.length = 0;
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
});

describe("a transaction that reads several relations at once", () => {
  it("reads them all, one query at a time, without a warning", async () => {
    const prisma = database.current.prisma;
    const [owner, offered] = await Promise.all([
      prisma.rep.create({ data: { slackUserId: "U0TXOWNER1", name: "Owner" } }),
      prisma.rep.create({ data: { slackUserId: "U0TXOFFER1", name: "Offered" } }),
    ]);
    const lead = await prisma.lead.create({
      data: {
        email: "tx-relations@acme.example",
        emailDomain: "acme.example",
        ownerId: owner.id,
        offeredToId: offered.id,
      },
    });
    const read = await prisma.$transaction(async (tx) =>
      Promise.all(
        Array.from({ length: 5 }, () =>
          tx.lead.findUniqueOrThrow({
            where: { id: lead.id },
            select: {
              owner: { select: { slackUserId: true } },
              offeredTo: { select: { slackUserId: true } },
              activities: { select: { id: true } },
            },
          }),
        ),
      ),
    );
    expect(read.map((r) => [r.owner?.slackUserId, r.offeredTo?.slackUserId])).toEqual(
      Array(5).fill(["U0TXOWNER1", "U0TXOFFER1"]),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => w.message)).toEqual([]);
  });
});

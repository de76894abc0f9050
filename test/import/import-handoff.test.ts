// An imported booth scan reaches sales like an API lead: the qualified lead's card is posted to
// its team's channel, saying who talked to them at the booth and what they noted.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runImport } from "#src/cli/import-command.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { tempDir } from "#test/setup/temp-dir.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));

describe("an imported trade-show lead", () => {
  it("is handed to its team with the booth conversation on its card", async () => {
    const dir = tempDir("baton-import-handoff");
    const file = join(dir, "booth.csv");
    const scannedAt = new Date(Date.now() - 3_600_000).toISOString();
    writeFileSync(
      file,
      [
        "Email,Full Name,Company,Title,Employees,Industry,Country,Talked To,Colleague Note,Scanned At",
        `ines@bigretail.example,Inés Moreau,Big Retail,Call Center Manager,300,Retail,US,Bob Reyes,"Runs 120 agents;\nwants a demo",${scannedAt}`,
      ].join("\n"),
    );
    const out: string[] = [];
    const code = await runImport(
      [file, "--source", "CCW Las Vegas", "--event", "CCW Las Vegas 2026"],
      { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => {} }, env: {} },
      { db: database.current, playbook: app.current.deps.playbook.current },
    );
    expect(code).toBe(0);
    expect(out.join("")).toMatch(/qualified for sales\s+1\n/);

    app.current.outbox.wake();
    const card = await fakeSlack.current.waitFor(
      () =>
        fakeSlack.current
          .visible("C0NAMIDMKT")
          .find((m) => JSON.stringify(m.blocks).includes("Inés")),
      20_000,
    );
    const text = JSON.stringify(card?.blocks);
    expect(text).toContain("CCW Las Vegas 2026");
    expect(text).toContain("Talked to:* Bob Reyes");
    expect(text).toContain("wants a demo");
  });
});

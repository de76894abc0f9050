// The fallback chain when nobody can take a lead, end to end on a controllable clock: every
// EMEA rep is away, so a new EMEA lead is held (never unassigned) and the manager is told why
// at once; after 30 minutes the overflow team is tried (nobody there either: it stays held),
// after 2 hours the admins hear. A rep coming back gets the oldest held lead first; a later
// overflow that finds a rep gives the lead to them. The dry runs say the same beforehand.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runRoute } from "#src/cli/route-command.ts";
import type { Clock } from "#src/clock.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { createSlackRequester } from "#test/fakes/slack-requests.ts";
import { INTAKE_TOKEN, SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { capturedOverHttp } from "#test/setup/leads.ts";

const base = await loadPlaybook(
  fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
);
const minutes = (m: number) => m * 60_000;
// EMEA holds, tells Klaus, tries NA (made an assign team here) after 30m, the admins after 2h.
// Ana takes one lead a day.
const playbook = {
  ...base,
  teams: base.teams.map((t) =>
    t.key === "emea-enterprise"
      ? {
          ...t,
          reps: t.reps.map((r) => (r.user === "U0REPANA01" ? { ...r, dailyCap: 1 } : r)),
          fallback: [
            { afterMs: 0, alert: "managers" as const, overflow: undefined },
            { afterMs: minutes(30), alert: undefined, overflow: "na-midmarket" },
            { afterMs: minutes(120), alert: "admins" as const, overflow: undefined },
          ],
        }
      : t.key === "na-midmarket"
        ? { ...t, mode: "assign" as const }
        : t,
  ),
};

let now = new Date("2026-11-23T10:00:00Z"); // Monday 11:00 in Berlin
const clock: Clock = { now: () => now };
const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({
  db: database.current,
  slackApiUrl: fakeSlack.current.url,
  clock,
  playbook: PlaybookStore.of(playbook),
}));
const folder = mkdtempSync(join(tmpdir(), "baton-fallback-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

async function command(text: string, userId: string) {
  const responseUrl = fakeSlack.current.responseUrl();
  const ack = await slack().slashCommand({ text, user_id: userId, response_url: responseUrl });
  expect(ack.status).toBe(200);
  const answer = await fakeSlack.current.waitFor(() =>
    fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
  );
  return JSON.stringify(answer.body);
}

async function cli(lead: Record<string, unknown>) {
  const file = join(folder, `lead-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(lead));
  let out = "";
  const code = await runRoute(
    [file],
    { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: {} },
    { db: database.current, playbook: app.current.deps.playbook.current, now },
  );
  expect(code).toBe(0);
  return out;
}

let n = 0;
const emeaLead = () => {
  n += 1;
  return capturedOverHttp(
    app.current,
    INTAKE_TOKEN,
    { email: `buyer${n}@held${n}.example`, region: "EMEA", companySize: 2000, country: "DE" },
    now,
  );
};

const lead = (id: string) =>
  database.current.prisma.lead.findUniqueOrThrow({
    where: { id },
    include: { offeredTo: true, team: true, events: { orderBy: { id: "asc" } } },
  });

/** Lets the outbox deliver (its deliveries lock leads, which a sweep skips), then sweeps. */
async function sweepAt(at: Date) {
  now = at;
  await app.current.outbox.stop();
  await app.current.outbox.drain();
  app.current.outbox.start();
  const result = await app.current.sla.sweep();
  app.current.outbox.wake();
  return result;
}

const dmOf = (user: string, text: string) =>
  fakeSlack.current.waitFor(() =>
    fakeSlack.current.visible(`D${user.slice(1)}`).find((m) => m.text?.includes(text)),
  );

const EMEA = ["U0REPANA01", "U0REPJONAS", "U0REPLEA01"];
const NA = ["U0REPMIKE1", "U0REPPRIYA", "U0REPSAM01", "U0REPTOM01"];

describe("the fallback chain", () => {
  it("holds a lead nobody can take, alerts the manager, tries the overflow team, then the admins; a rep back gets it", async () => {
    await app.current.profilesRead;
    await database.current.prisma.rep.updateMany({
      where: { slackUserId: { in: [...EMEA, ...NA] } },
      data: { paused: true, awaySince: new Date("2026-11-20T08:00:00Z") },
    });

    // The dry runs say what will happen: held, Klaus told, NA in 30m, the admins in 2h.
    const fields = { region: "EMEA", companySize: 2000, country: "DE" };
    const out = await cli({ email: "dry@held.example", ...fields });
    expect(out).toContain("Next: nobody, the lead is held (nobody available; skipped Ana");
    expect(out).toContain(
      "held until a rep can take it; managers alerted now; offered to team na-midmarket after 30m; admins alerted after 2h",
    );
    const reply = await command("route region=EMEA companySize=2000 country=DE", "U0MGRKLAUS");
    expect(reply).toContain("Next: nobody, the lead is held");
    expect(reply).toContain("offered to team na-midmarket after 30m");

    // What happens is what they said: held, in EMEA, offered to nobody; Klaus hears why.
    const first = await emeaLead();
    let a = await lead(first.id);
    expect(a).toMatchObject({
      status: "OFFERED",
      offeredToId: null,
      team: { key: "emea-enterprise" },
    });
    expect(a.events.find((e) => e.type === "offered")?.reason).toContain(
      "nobody available; skipped Ana away since 2026-11-20 08:00 UTC until they are back",
    );
    expect(a.events.find((e) => e.type === "fallback")?.reason).toMatch(
      /^fallback step 1: managers alerted now; nobody available/,
    );
    app.current.outbox.wake();
    const alert = await dmOf("U0MGRKLAUS", `L-${first.number}`);
    expect(alert.text).toContain("Baton is holding it");
    expect(alert.text).toContain("Jonas away since 2026-11-20 08:00 UTC");
    expect(JSON.stringify(alert.blocks)).toContain(`ghost:${first.id}`);
    // Shown to the manager's review as an open lead of the team.
    expect(await command("review team emea-enterprise private", "U0MGRKLAUS")).toContain(
      `L-${first.number}`,
    );

    // 30 minutes later: NA is tried, nobody there either: it stays held, and the trail says so.
    let swept = await sweepAt(new Date("2026-11-23T10:31:00Z"));
    expect(swept?.fired).toMatchObject({ "fallback.1": 1 });
    a = await lead(first.id);
    expect(a).toMatchObject({
      status: "OFFERED",
      offeredToId: null,
      team: { key: "emea-enterprise" },
    });
    expect(a.events.at(-1)?.reason).toMatch(
      /^overflow to na-midmarket tried: nobody there can take it either \(Mike away since 2026-11-20 08:00 UTC until they are back, Priya away/,
    );

    // 2 hours: the admins hear.
    swept = await sweepAt(new Date("2026-11-23T12:01:00Z"));
    expect(swept?.fired).toMatchObject({ "fallback.2": 1 });
    const admins = await dmOf("U0REVOPS01", `L-${first.number}`);
    expect(admins.text).toContain("Baton is holding it");

    // A second lead comes in and is held too.
    const second = await emeaLead();
    expect(await lead(second.id)).toMatchObject({ status: "OFFERED", offeredToId: null });

    // Ana is back: the oldest held lead is hers; her cap (1 a day) keeps the other held.
    expect(await command("away off", "U0REPANA01")).toContain("Welcome back");
    a = await lead(first.id);
    expect(a.offeredTo?.slackUserId).toBe("U0REPANA01");
    expect(a.events.find((e) => e.type === "revisited")?.reason).toContain("held lead revisited");
    expect(await lead(second.id)).toMatchObject({ status: "OFFERED", offeredToId: null });
    app.current.outbox.wake();
    await dmOf("U0REPANA01", `L-${first.number}`);

    // Mike (NA) is back, with no event Baton hears of: the sweep at the second lead's 30
    // minutes tries NA again, and Mike gets it.
    await database.current.prisma.rep.update({
      where: { slackUserId: "U0REPMIKE1" },
      data: { paused: false, awaySince: null },
    });
    // (The sweep revisits held leads first: EMEA still has nobody, Ana is capped.)
    swept = await sweepAt(new Date("2026-11-23T12:32:00Z"));
    expect(swept?.fired).toMatchObject({ "fallback.1": 1 });
    const b = await lead(second.id);
    expect(b).toMatchObject({ status: "OFFERED", team: { key: "na-midmarket" } });
    expect(b.offeredTo?.slackUserId).toBe("U0REPMIKE1");
    expect(b.events.find((e) => e.type === "reassigned")?.reason).toContain(
      "overflow to na-midmarket",
    );
  });
});

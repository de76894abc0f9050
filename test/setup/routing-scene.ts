// The scene of the availability and fairness end-to-end tests (caps, hours, Slack status,
// ledger credits, the fallback chain, the dry runs): the example playbook with a few edits, a
// clock the test moves, the fake Slack, a fresh database and the running app; and what those
// tests do to it: send a lead to the intake API, type a slash command, run `baton route`, ask
// for a dry run, sweep at a given time, wait for a DM.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { runRoute } from "#src/cli/route-command.ts";
import type { Clock } from "#src/clock.ts";
import { loadPlaybook } from "#src/playbook/load-playbook.ts";
import { PlaybookStore } from "#src/playbook/playbook-store.ts";
import type { Playbook, PlaybookRep, PlaybookTeam } from "#src/playbook/schema.ts";
import { explainRoute } from "#src/services/explain-route.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { createSlackRequester } from "#test/fakes/slack-requests.ts";
import { INTAKE_TOKEN, SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { capturedOverHttp } from "#test/setup/leads.ts";
import { tempDir } from "#test/setup/temp-dir.ts";

/** manifests/playbook.yml, as Baton loads it. */
export const examplePlaybook = await loadPlaybook(
  fileURLToPath(new URL("../../manifests/playbook.yml", import.meta.url)),
);

/** The example playbook with one team changed, and some of its reps (by Slack id). */
export function editTeam(
  teamKey: string,
  edit: {
    team?: Partial<PlaybookTeam>;
    reps?: Record<string, Partial<PlaybookRep>>;
  },
  playbook: Playbook = examplePlaybook,
): Playbook {
  return {
    ...playbook,
    teams: playbook.teams.map((t) =>
      t.key === teamKey
        ? {
            ...t,
            ...edit.team,
            reps: t.reps.map((r) => ({ ...r, ...edit.reps?.[r.user] })),
          }
        : t,
    ),
  };
}

/**
 * EMEA with a fallback chain: Klaus hears at once, NA (made an assign team) is tried after
 * 30 minutes, the admins hear after 2 hours; and these edits to EMEA's reps.
 */
export function withEmeaChain(reps: Record<string, Partial<PlaybookRep>>): Playbook {
  const minutes = (m: number) => m * 60_000;
  return editTeam(
    "emea-enterprise",
    {
      team: {
        fallback: [
          { afterMs: 0, alert: "managers", overflow: undefined },
          { afterMs: minutes(30), alert: undefined, overflow: "na-midmarket" },
          { afterMs: minutes(120), alert: "admins", overflow: undefined },
        ],
      },
      reps,
    },
    editTeam("na-midmarket", { team: { mode: "assign" } }),
  );
}

/** Mondays to Fridays, 9 to 5 (in the rep's time zone). */
export const nineToFive = {
  days: ["mon", "tue", "wed", "thu", "fri"] as ("mon" | "tue" | "wed" | "thu" | "fri")[],
  start: "09:00",
  end: "17:00",
  holidays: [],
};

export const EMEA_REPS = ["U0REPANA01", "U0REPJONAS", "U0REPLEA01"];
export const NA_REPS = ["U0REPMIKE1", "U0REPPRIYA", "U0REPSAM01", "U0REPTOM01"];

export function useRoutingScene(options: {
  /** The clock's first reading. */
  start: string;
  /** The playbook the app runs (the example one when absent). */
  playbook?: Playbook;
  /** Leads' email domains are `<domain><n>.example`, unique across the file's leads. */
  domain: string;
}) {
  let now = new Date(options.start);
  const clock: Clock = { now: () => now };
  const fakeSlack = useFakeSlack();
  const database = useTestDatabase();
  const app = useTestApp(() => ({
    db: database.current,
    slackApiUrl: fakeSlack.current.url,
    clock,
    ...(options.playbook ? { playbook: PlaybookStore.of(options.playbook) } : {}),
  }));
  const folder = tempDir("baton-route");
  let n = 0;

  const lead = (fields: Record<string, unknown>) => {
    n += 1;
    return capturedOverHttp(
      app.current,
      INTAKE_TOKEN,
      { email: `buyer${n}@${options.domain}${n}.example`, ...fields },
      now,
    );
  };
  const slack = () =>
    createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

  return {
    fakeSlack,
    database,
    app,
    get now() {
      return now;
    },
    set now(at: Date) {
      now = at;
    },
    /** A lead with a demo request, through the intake API, once it is handed off. */
    lead,
    /** An EMEA enterprise lead (routed to emea-enterprise, assign mode). */
    emeaLead: (fields: Record<string, unknown> = {}) =>
      lead({ region: "EMEA", companySize: 2000, ...fields }),
    /** How many leads this scene sent. */
    get sent() {
      return n;
    },
    slack,
    /** `/leads <text>` typed by `userId`: the answer posted to its response_url. */
    async command(text: string, userId: string) {
      const responseUrl = fakeSlack.current.responseUrl();
      const ack = await slack().slashCommand({ text, user_id: userId, response_url: responseUrl });
      expect(ack.status).toBe(200);
      const answer = await fakeSlack.current.waitFor(() =>
        fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
      );
      const body = answer.body as { response_type?: string; text?: string; blocks?: unknown[] };
      return { ...body, all: JSON.stringify(body) };
    },
    /** `baton route <lead.json>` on the scene's clock: exit code, stdout, stderr. */
    async cli(lead: Record<string, unknown>) {
      const file = join(folder, `lead-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(lead));
      let out = "";
      let err = "";
      const code = await runRoute(
        [file],
        {
          stdout: { write: (t: string) => (out += t) },
          stderr: { write: (t: string) => (err += t) },
          env: {},
        },
        { db: database.current, playbook: app.current.deps.playbook.current, now },
      );
      return { code, out, err };
    },
    /** The dry run for a lead with these fields, now. */
    dryRun(fields: Record<string, string>) {
      return explainRoute({
        db: database.current,
        playbook: app.current.deps.playbook.current,
        now,
        query: { kind: "fields", fields },
      });
    },
    /** Moves the clock, lets the outbox deliver (it locks leads a sweep skips), then sweeps. */
    async sweepAt(at: Date) {
      now = at;
      await app.current.outbox.stop();
      await app.current.outbox.drain();
      app.current.outbox.start();
      const result = await app.current.sla.sweep();
      app.current.outbox.wake();
      return result;
    },
    /** The DM from the app to `user` that mentions `text`, once delivered. */
    dmOf(user: string, text: string) {
      return fakeSlack.current.waitFor(() =>
        fakeSlack.current.visible(`D${user.slice(1)}`).find((m) => m.text?.includes(text)),
      );
    },
    /** Opens `user`'s App Home: the view Baton publishes for it, as JSON text. */
    async openHome(user: string) {
      const from = fakeSlack.current.calls.length;
      await slack().event({
        type: "app_home_opened",
        user,
        tab: "home",
        channel: `D${user.slice(1)}`,
      });
      const published = await fakeSlack.current.waitFor(() =>
        fakeSlack.current.calls
          .slice(from)
          .find((c) => c.method === "views.publish" && c.args.user_id === user),
      );
      return JSON.stringify(published.args.view);
    },
    /** The lead with its team, the rep it is offered to and its audit trail. */
    leadRow(id: string) {
      return database.current.prisma.lead.findUniqueOrThrow({
        where: { id },
        include: { offeredTo: true, team: true, events: { orderBy: { id: "asc" } } },
      });
    },
  };
}

// Claims from a channel count in the assignment ledger, and a capped rep who clicks Claim is
// refused with a message that says why and when the cap resets, on every surface the button
// is drawn on: a card in the channel (answered through the response_url), the App Home (no
// response_url: a DM from the app), an ephemeral card (no response_url: an ephemeral reply).
import { describe, expect, it } from "vitest";
import { ACTIONS } from "#src/slack/ids.ts";
import { buildButtonAction, type ClickSurface } from "#test/fakes/slack-requests.ts";
import { editTeam, useRoutingScene } from "#test/setup/routing-scene.ts";

// Mike (NA Mid-Market, a claim team) may take one lead a day and two a week, in New York time.
const playbook = editTeam("na-midmarket", {
  reps: { U0REPMIKE1: { dailyCap: 1, weeklyCap: 2, timezone: "America/New_York" } },
});
// Monday 10:00 in New York.
const scene = useRoutingScene({ start: "2026-11-23T15:00:00Z", playbook, domain: "claimcap" });
const { database, fakeSlack } = scene;

async function naLead() {
  const lead = await scene.lead({ country: "US", companySize: 300 });
  expect(lead.team?.key).toBe("na-midmarket");
  return lead;
}

let clicks = 0;
/** Mike (or `user`) clicks Claim on `surface`; what he reads in answer, and how it reached him. */
async function claim(leadId: string, surface: ClickSurface, user = "U0REPMIKE1") {
  const inView = surface.on === "home" || surface.on === "modal";
  const responseUrl =
    inView || surface.on === "ephemeral" ? undefined : fakeSlack.current.responseUrl();
  const payload = buildButtonAction({
    actionId: ACTIONS.claim,
    value: leadId,
    userId: user,
    surface,
    responseUrl,
  });
  clicks += 1;
  payload.trigger_id = `${clicks}.${Date.now()}.trigger`;
  const from = fakeSlack.current.calls.length;
  const ack = await scene.slack().interaction(payload);
  expect(ack.status).toBe(200);
  return fakeSlack.current.waitFor(() => {
    const answer =
      responseUrl && fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`));
    if (answer) return { via: "response", text: String(answer.body.text) };
    for (const call of fakeSlack.current.calls.slice(from)) {
      if (call.method === "chat.postEphemeral" && call.args.user === user) {
        return { via: "ephemeral", text: String(call.args.text) };
      }
      if (call.method === "chat.postMessage" && call.args.channel === user) {
        return { via: "dm", text: String(call.args.text) };
      }
    }
    return undefined;
  }, 20_000);
}

const ledgerOf = (slackUserId: string) =>
  database.current.prisma.assignment.findMany({
    where: { rep: { slackUserId } },
    orderBy: { at: "asc" },
  });
const statusOf = async (leadId: string) =>
  (await database.current.prisma.lead.findUniqueOrThrow({ where: { id: leadId } })).status;

const CAPPED_TODAY =
  "You are capped: 1/1 leads today (America/New_York), so this lead stays open for your teammates. Your cap resets at your next local midnight.";

describe("a claim from a claim team's channel", () => {
  it("counts in the ledger, and a capped rep is refused on every surface while teammates can claim", async () => {
    const first = await naLead();
    const yours = await claim(first.id, { on: "channel", channelId: "C0NAMIDMKT" });
    expect(yours).toMatchObject({ via: "response" });
    expect(yours.text).toMatch(new RegExp(`^:white_check_mark: L-${first.number} is yours\\.`));
    const [row] = await ledgerOf("U0REPMIKE1");
    expect(row).toMatchObject({ kind: "claim", leadId: first.id, creditedAt: null });
    expect(row!.reason).toBe("claimed from the na-midmarket channel");

    // A second lead the same day: refused wherever he clicks, and the lead stays open.
    scene.now = new Date("2026-11-23T16:00:00Z");
    const second = await naLead();
    const surfaces: [ClickSurface, string][] = [
      [{ on: "channel", channelId: "C0NAMIDMKT" }, "response"],
      [{ on: "home" }, "dm"],
      [{ on: "ephemeral", channelId: "C0NAMIDMKT" }, "ephemeral"],
    ];
    for (const [surface, via] of surfaces) {
      expect(await claim(second.id, surface), surface.on).toEqual({ via, text: CAPPED_TODAY });
    }
    expect(await statusOf(second.id)).toBe("OFFERED");
    expect(await ledgerOf("U0REPMIKE1")).toHaveLength(1);

    // Priya has no cap: she takes it, and the ledger counts it for her.
    const priya = await claim(second.id, { on: "channel", channelId: "C0NAMIDMKT" }, "U0REPPRIYA");
    expect(priya.text).toMatch(/is yours/);
    expect(await ledgerOf("U0REPPRIYA")).toMatchObject([{ kind: "claim", leadId: second.id }]);

    // Tuesday in New York: a new day, so Mike can claim again; then his week (2) is full.
    scene.now = new Date("2026-11-24T15:00:00Z");
    const third = await naLead();
    expect((await claim(third.id, { on: "home" })).text).toMatch(/is yours/);
    scene.now = new Date("2026-11-25T15:00:00Z");
    const fourth = await naLead();
    expect((await claim(fourth.id, { on: "channel", channelId: "C0NAMIDMKT" })).text).toBe(
      "You are capped: 2/2 leads this week (America/New_York), so this lead stays open for your teammates. Your cap resets at your next local Monday.",
    );
    expect(await statusOf(fourth.id)).toBe("OFFERED");
    expect((await ledgerOf("U0REPMIKE1")).map((a) => a.leadId)).toEqual([first.id, third.id]);
  });
});

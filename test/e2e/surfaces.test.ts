// Every button on every surface Baton draws it on, clicked over signed requests as Slack sends
// them from that surface, by the person it is for and by someone it is not for. What is
// checked is what each of them sees: the answer (through the response URL on a message, by DM
// from the App Home, which has none), the modal that opens, the card or page redrawn.
// The buttons are read from what Baton actually drew, so a button added to a surface without
// an expectation here fails the test.
import { describe, expect, it } from "vitest";
import { claimLead } from "#src/services/claim-lead.ts";
import { reassignLead } from "#src/services/reassign-lead.ts";
import { ACTIONS, VIEWS } from "#src/slack/ids.ts";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import {
  buildButtonAction,
  buildViewSubmission,
  type ClickSurface,
  createSlackRequester,
} from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { handedOffLead } from "#test/setup/leads.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));
const slack = () =>
  createSlackRequester({ url: `${app.current.url}/slack/events`, signingSecret: SIGNING_SECRET });

// People in manifests/playbook.yml.
const NA = { name: "NA Mid-Market", channel: "C0NAMIDMKT", manager: "U0MGRDANA1" };
const EMEA = { name: "EMEA Enterprise", channel: "C0EMEAENT01", manager: "U0MGRKLAUS" };
const EMEA_REPS = ["U0REPANA01", "U0REPJONAS", "U0REPLEA01"];
const OUTSIDER = "U0REPKIM01"; // a rep of Inbound Sales only
const dmOf = (user: string) => `D${user.slice(1)}`;

// --- leads -----------------------------------------------------------------------------------

let n = 0;
/** A lead for NA Mid-Market (claim mode), posted to its channel; claimed when asked. */
async function naLead(claimBy?: string) {
  n += 1;
  const lead = await handedOffLead(
    app.current,
    { email: `surface${n}@na${n}.example`, firstName: `Na ${n}`, country: "US", companySize: 120 },
    { claimBy },
  );
  app.current.outbox.wake();
  return lead;
}

/** A lead for EMEA Enterprise (assign mode): offered to one rep by DM. */
async function emeaLead() {
  n += 1;
  const lead = await handedOffLead(app.current, {
    email: `surface${n}@emea${n}.example`,
    firstName: `Emea ${n}`,
    country: "DE",
    region: "EMEA",
    companySize: 900,
  });
  app.current.outbox.wake();
  return { ...lead, offeredTo: await offeredTo(lead.id) };
}

async function offeredTo(leadId: string): Promise<string> {
  const lead = await database.current.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: { offeredTo: true },
  });
  if (!lead.offeredTo) throw new Error(`lead ${leadId} is offered to nobody`);
  return lead.offeredTo.slackUserId;
}

async function ownerOf(leadId: string): Promise<string | undefined> {
  const lead = await database.current.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: { owner: true },
  });
  return lead.owner?.slackUserId;
}

// --- what Baton drew -------------------------------------------------------------------------

/** The message in `channel` that shows the lead and passes `test` (the card, once redrawn). */
function drawnIn(channel: string, leadId: string, test: (text: string) => boolean = () => true) {
  return fakeSlack.current.waitFor(
    () =>
      fakeSlack.current.visible(channel).find((m) => {
        const text = JSON.stringify(m.blocks ?? []);
        return text.includes(leadId) && test(text);
      }),
    20_000,
  );
}

interface Button {
  actionId: string;
  value: string;
}

/** The buttons drawn for one lead in some blocks (their value is the lead's id). */
function buttonsOf(blocks: unknown, leadId: string): Button[] {
  const found: Button[] = [];
  for (const block of (blocks ?? []) as { type: string; elements?: unknown[] }[]) {
    if (block.type !== "actions") continue;
    for (const element of (block.elements ?? []) as { action_id: string; value?: string }[]) {
      if (element.value === leadId) found.push({ actionId: element.action_id, value: leadId });
    }
  }
  return found;
}

/** Opens `user`'s App Home and returns the view published for it once it shows `text`. */
async function openHome(user: string, text: string) {
  const from = fakeSlack.current.calls.length;
  await slack().event({
    type: "app_home_opened",
    user,
    channel: dmOf(user),
    tab: "home",
    event_ts: `${Date.now() / 1000}`,
  });
  return homeShowing(user, (blocks) => JSON.stringify(blocks).includes(text), from);
}

/** The latest Home published for `user` since `from`, once it passes `test`. */
function homeShowing(user: string, test: (blocks: unknown[]) => boolean, from = 0) {
  return fakeSlack.current.waitFor(() => {
    const published = fakeSlack.current.calls
      .slice(from)
      .filter((c) => c.method === "views.publish" && c.args.user_id === user)
      .at(-1);
    const view = published?.args.view as { blocks: unknown[] } | undefined;
    return view && test(view.blocks) ? view : undefined;
  }, 20_000);
}

/** The text of the section that shows lead L-`number` on a review page or a Home. */
function lineOf(blocks: unknown, number: number): string | undefined {
  for (const block of (blocks ?? []) as { type: string; text?: { text: string } }[]) {
    if (block.type === "section" && block.text?.text.startsWith(`L-${number} `)) {
      return block.text.text;
    }
  }
  return undefined;
}

// --- clicking --------------------------------------------------------------------------------

interface Seen {
  via: "response" | "ephemeral" | "dm" | "modal";
  text: string;
  blocks: string;
  modal?: string;
  body?: Record<string, unknown>;
}

let clicks = 0;

/** Clicks `button` as `user` on `surface`; returns what the user sees in answer. */
async function press(
  button: Button,
  user: string,
  surface: ClickSurface,
  options: { responseUrl?: boolean } = {},
): Promise<Seen> {
  const inView = surface.on === "home" || surface.on === "modal";
  const responseUrl =
    !inView && options.responseUrl !== false ? fakeSlack.current.responseUrl() : undefined;
  const payload = buildButtonAction({ ...button, userId: user, surface, responseUrl });
  clicks += 1;
  payload.trigger_id = `${clicks}.${Date.now()}.trigger`;
  const from = fakeSlack.current.calls.length;
  expect((await slack().interaction(payload)).status).toBe(200);
  return fakeSlack.current.waitFor(() => seenAfter(from, user, payload.trigger_id, responseUrl));
}

function seenAfter(
  from: number,
  user: string,
  triggerId: string,
  responseUrl: string | undefined,
): Seen | undefined {
  const answer =
    responseUrl && fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`));
  if (answer) {
    return {
      via: "response",
      text: String(answer.body.text),
      blocks: JSON.stringify(answer.body.blocks ?? []),
      body: answer.body,
    };
  }
  for (const call of fakeSlack.current.calls.slice(from)) {
    if (call.failed) continue;
    const text = String(call.args.text);
    const blocks = JSON.stringify(call.args.blocks ?? []);
    if (call.method === "views.open" && call.args.trigger_id === triggerId) {
      const view = call.args.view as { callback_id: string };
      return { via: "modal", modal: view.callback_id, text: "", blocks: JSON.stringify(view) };
    }
    if (call.method === "chat.postEphemeral" && call.args.user === user) {
      return { via: "ephemeral", text, blocks };
    }
    if (call.method === "chat.postMessage" && call.args.channel === user) {
      return { via: "dm", text, blocks };
    }
  }
  return undefined;
}

// --- who may press what, and what they see -------------------------------------------------

type Outcome = { modal: string } | { says: string | RegExp } | { card: number };
interface Press {
  user: string;
  sees: Outcome;
}
interface Rule {
  right: Press;
  wrong?: Press;
  /** Pressed by the right person, it changes the lead: tested on its own, last. */
  changesLead?: true;
}
type Rules = Record<string, Rule>;

const yours = (number: number) => ({
  says: new RegExp(`^:white_check_mark: L-${number} is yours\\.`),
});

/** A lead waiting in a claim team's pool. */
function poolRules(number: number, team = NA, rep = "U0REPMIKE1"): Rules {
  return {
    [ACTIONS.claim]: {
      right: { user: rep, sees: yours(number) },
      wrong: {
        user: OUTSIDER,
        sees: { says: `Only members of ${team.name} can claim this lead.` },
      },
      changesLead: true,
    },
    [ACTIONS.showCard]: { right: { user: rep, sees: { card: number } } },
    [ACTIONS.disqualify]: {
      right: { user: rep, sees: { modal: VIEWS.disqualify } },
      wrong: {
        user: OUTSIDER,
        sees: { says: "Only members of the lead's team can disqualify it." },
      },
    },
    [ACTIONS.nurture]: {
      right: { user: rep, sees: { modal: VIEWS.nurture } },
      wrong: {
        user: OUTSIDER,
        sees: { says: "Only members of the lead's team can send it back to nurture." },
      },
    },
    [ACTIONS.reassign]: {
      right: { user: team.manager, sees: { modal: VIEWS.reassign } },
      wrong: {
        user: rep,
        sees: { says: `Only managers of ${team.name} can reassign L-${number}.` },
      },
    },
  };
}

/** A lead offered to one rep (assign mode, or a reassigned offer). */
function offerRules(number: number, to: string, other: string, team = EMEA): Rules {
  return {
    [ACTIONS.accept]: {
      right: { user: to, sees: yours(number) },
      wrong: {
        user: other,
        sees: {
          says: `This lead is offered to <@${to}> right now. It comes back to the team if they pass.`,
        },
      },
      changesLead: true,
    },
    [ACTIONS.pass]: {
      right: { user: to, sees: { says: /^Passed: / } },
      wrong: {
        user: other,
        sees: { says: "This lead is not offered to you any more, so there is nothing to pass." },
      },
      changesLead: true,
    },
    [ACTIONS.disqualify]: {
      right: { user: to, sees: { modal: VIEWS.disqualify } },
      wrong: {
        user: OUTSIDER,
        sees: { says: "Only members of the lead's team can disqualify it." },
      },
    },
    [ACTIONS.nurture]: {
      right: { user: to, sees: { modal: VIEWS.nurture } },
      wrong: {
        user: OUTSIDER,
        sees: { says: "Only members of the lead's team can send it back to nurture." },
      },
    },
    [ACTIONS.reassign]: {
      right: { user: team.manager, sees: { modal: VIEWS.reassign } },
      wrong: {
        user: to,
        sees: { says: `Only managers of ${team.name} can reassign L-${number}.` },
      },
    },
  };
}

/** A lead someone owns: the owner works it, a manager may step in, another rep may not. */
function ownedRules(number: number, owner: string, other: string, team = NA): Rules {
  const onlyOwner = (what: string) =>
    `Only <@${owner}>, who owns this lead, or a manager of the team can ${what}.`;
  return {
    [ACTIONS.logTouch]: {
      right: { user: owner, sees: { modal: VIEWS.logTouch } },
      wrong: {
        user: other,
        sees: { says: `Only <@${owner}>, who owns this lead, can log touches on it.` },
      },
    },
    [ACTIONS.converted]: {
      right: { user: owner, sees: { modal: VIEWS.converted } },
      wrong: {
        user: other,
        sees: {
          says: `Only <@${owner}>, who owns L-${number}, or a manager of the team can mark it converted.`,
        },
      },
    },
    [ACTIONS.release]: {
      right: { user: owner, sees: { modal: VIEWS.release } },
      wrong: {
        user: other,
        sees: {
          says: `Only <@${owner}>, who owns L-${number}, or a manager of the team can release it.`,
        },
      },
    },
    [ACTIONS.disqualify]: {
      right: { user: team.manager, sees: { modal: VIEWS.disqualify } },
      wrong: { user: other, sees: { says: onlyOwner("disqualify it") } },
    },
    [ACTIONS.nurture]: {
      right: { user: owner, sees: { modal: VIEWS.nurture } },
      wrong: { user: other, sees: { says: onlyOwner("send it back to nurture") } },
    },
    [ACTIONS.reassign]: {
      right: { user: team.manager, sees: { modal: VIEWS.reassign } },
      wrong: {
        user: owner,
        sees: { says: `Only managers of ${team.name} can reassign L-${number}.` },
      },
    },
  };
}

/** Where the person reads the answer to a click on this surface. */
function answeredVia(surface: ClickSurface): Seen["via"] {
  return surface.on === "home" || surface.on === "modal" ? "dm" : "response";
}

function expectSees(seen: Seen, outcome: Outcome, surface: ClickSurface, what: string) {
  if ("modal" in outcome) {
    expect(seen, what).toMatchObject({ via: "modal", modal: outcome.modal });
    return;
  }
  expect(seen.via, what).toBe(answeredVia(surface));
  if (seen.via === "response") {
    expect(seen.body, what).toMatchObject({ response_type: "ephemeral", replace_original: false });
  }
  if ("says" in outcome) {
    if (typeof outcome.says === "string") expect(seen.text, what).toBe(outcome.says);
    else expect(seen.text, what).toMatch(outcome.says);
  } else {
    expect(seen.blocks, what).toContain(`L-${outcome.card}`);
    expect(seen.blocks, what).toContain("Score");
  }
}

/**
 * Presses every button drawn, by the wrong person (when there is one) and by the right one,
 * except the ones that change the lead, which are left to the caller. Returns the buttons
 * drawn, so the caller can press those.
 */
async function pressEach(drawn: Button[], rules: Rules, surface: ClickSurface) {
  expect(drawn.length, "buttons drawn").toBeGreaterThan(0);
  for (const button of drawn) {
    const rule = rules[button.actionId];
    expect(rule, `an expectation for ${button.actionId} on ${surface.on}`).toBeDefined();
    if (!rule) continue;
    const what = `${button.actionId} on ${surface.on}`;
    if (rule.wrong) {
      expectSees(await press(button, rule.wrong.user, surface), rule.wrong.sees, surface, what);
    }
    if (rule.changesLead) continue;
    expectSees(await press(button, rule.right.user, surface), rule.right.sees, surface, what);
  }
  return {
    press: async (actionId: string, user: string) => {
      const button = drawn.find((b) => b.actionId === actionId);
      expect(button, `${actionId} drawn on ${surface.on}`).toBeDefined();
      return press(button!, user, surface);
    },
  };
}

// --- the surfaces ----------------------------------------------------------------------------

describe("a lead card in the team channel", () => {
  it("answers every button for the right person and the wrong one, and redraws on claim", async () => {
    const lead = await naLead();
    const card = await drawnIn(NA.channel, lead.id);
    const surface: ClickSurface = { on: "channel", channelId: NA.channel, messageTs: card.ts };
    const rules = poolRules(lead.number);
    const buttons = await pressEach(buttonsOf(card.blocks, lead.id), rules, surface);
    expectSees(
      await buttons.press(ACTIONS.claim, "U0REPMIKE1"),
      yours(lead.number),
      surface,
      "claim",
    );
    expectSees(
      await buttons.press(ACTIONS.claim, "U0REPPRIYA"),
      { says: /^<@U0REPMIKE1> already claimed this lead at / },
      surface,
      "a second claim",
    );

    // The card is redrawn in place with the owner's buttons, which work the same way.
    const owned = await drawnIn(NA.channel, lead.id, (t) => t.includes(ACTIONS.logTouch));
    expect(owned.ts).toBe(card.ts);
    expect(JSON.stringify(owned.blocks)).toContain("*Claimed* by <@U0REPMIKE1>");
    await pressEach(
      buttonsOf(owned.blocks, lead.id),
      ownedRules(lead.number, "U0REPMIKE1", "U0REPTOM01"),
      surface,
    );
  });

  it("answers with an ephemeral message in the channel when Slack sends no response URL", async () => {
    const lead = await naLead();
    const card = await drawnIn(NA.channel, lead.id);
    const surface: ClickSurface = { on: "channel", channelId: NA.channel, messageTs: card.ts };
    const claim = { actionId: ACTIONS.claim, value: lead.id };
    const refused = await press(claim, OUTSIDER, surface, { responseUrl: false });
    expect(refused).toMatchObject({
      via: "ephemeral",
      text: "Only members of NA Mid-Market can claim this lead.",
    });
    const ephemeral = fakeSlack.current.callsTo("chat.postEphemeral").at(-1)!;
    expect(ephemeral.args).toMatchObject({ channel: NA.channel, user: OUTSIDER });

    // Slack refuses an ephemeral message for someone who is not in the channel: a DM instead.
    fakeSlack.current.fail("chat.postEphemeral", { error: "user_not_in_channel" });
    const dm = await press(claim, OUTSIDER, surface, { responseUrl: false });
    expect(dm).toMatchObject({
      via: "dm",
      text: "Only members of NA Mid-Market can claim this lead.",
    });
  });
});

describe("an offer by DM (assign mode)", () => {
  it("lets only the offered rep accept or pass, and the next rep accept", async () => {
    const lead = await emeaLead();
    const first = lead.offeredTo;
    const other = EMEA_REPS.find((r) => r !== first)!;
    const offer = await drawnIn(dmOf(first), lead.id);
    const surface: ClickSurface = { on: "dm", channelId: dmOf(first), messageTs: offer.ts };
    const drawn = buttonsOf(offer.blocks, lead.id);
    expect(drawn.map((b) => b.actionId)).toEqual([ACTIONS.accept, ACTIONS.pass]);
    const buttons = await pressEach(drawn, offerRules(lead.number, first, other), surface);

    const passed = await buttons.press(ACTIONS.pass, first);
    const next = await offeredTo(lead.id);
    expect(next).not.toBe(first);
    expectSees(passed, { says: `Passed: it is offered to <@${next}> now.` }, surface, "pass");
    expectSees(
      await buttons.press(ACTIONS.accept, first),
      {
        says: `This lead is offered to <@${next}> right now. It comes back to the team if they pass.`,
      },
      surface,
      "accept after passing",
    );

    const nextOffer = await drawnIn(dmOf(next), lead.id);
    const nextSurface: ClickSurface = { on: "dm", channelId: dmOf(next), messageTs: nextOffer.ts };
    const accepted = await press({ actionId: ACTIONS.accept, value: lead.id }, next, nextSurface);
    expectSees(accepted, yours(lead.number), nextSurface, "accept");

    // The DM card becomes the owner's card, with the owner's buttons.
    const owned = await drawnIn(dmOf(next), lead.id, (t) => t.includes(ACTIONS.logTouch));
    expect(owned.ts).toBe(nextOffer.ts);
    const someoneElse = EMEA_REPS.find((r) => r !== next)!;
    await pressEach(
      buttonsOf(owned.blocks, lead.id),
      ownedRules(lead.number, next, someoneElse, EMEA),
      nextSurface,
    );
  });
});

describe("a burst summary, and the card in its thread", () => {
  it("answers every button on the summary and on the claimed lead's card in the thread", async () => {
    // Five cards due at once for the channel become one summary.
    await app.current.outbox.stop();
    const leads = [];
    try {
      for (let i = 0; i < 5; i++) leads.push(await naLead());
      await app.current.outbox.drain();
    } finally {
      app.current.outbox.start();
    }
    const [lead, other] = leads as [(typeof leads)[0], (typeof leads)[0]];
    const summary = await drawnIn(NA.channel, lead.id, (t) => t.includes(ACTIONS.showCard));
    expect(JSON.stringify(summary.blocks)).toContain(other.id);
    const surface: ClickSurface = { on: "channel", channelId: NA.channel, messageTs: summary.ts };
    const buttons = await pressEach(
      buttonsOf(summary.blocks, lead.id),
      poolRules(lead.number),
      surface,
    );
    expectSees(
      await buttons.press(ACTIONS.claim, "U0REPSAM01"),
      yours(lead.number),
      surface,
      "claim",
    );

    // The summary shows who has it; the full card follows in its thread, with working buttons.
    await fakeSlack.current.waitFor(() => {
      const now = fakeSlack.current.visible(NA.channel).find((m) => m.ts === summary.ts);
      return JSON.stringify(now?.blocks).includes("claimed by <@U0REPSAM01>") ? now : undefined;
    }, 20_000);
    const card = await fakeSlack.current.waitFor(
      () =>
        fakeSlack.current
          .visible(NA.channel)
          .find((m) => m.thread_ts === summary.ts && JSON.stringify(m.blocks).includes(lead.id)),
      20_000,
    );
    const inThread: ClickSurface = {
      on: "channel",
      channelId: NA.channel,
      messageTs: card.ts,
      threadTs: summary.ts,
    };
    await pressEach(
      buttonsOf(card.blocks, lead.id),
      ownedRules(lead.number, "U0REPSAM01", "U0REPMIKE1"),
      inThread,
    );
  });
});

describe("an ephemeral card (Show card, /leads find, /leads mine)", () => {
  it("answers every button on a card only the clicker sees", async () => {
    const lead = await naLead();
    const card = await drawnIn(NA.channel, lead.id);
    const shown = await press({ actionId: ACTIONS.showCard, value: lead.id }, "U0REPPRIYA", {
      on: "channel",
      channelId: NA.channel,
      messageTs: card.ts,
    });
    const surface: ClickSurface = { on: "ephemeral", channelId: NA.channel };
    const buttons = await pressEach(
      buttonsOf(JSON.parse(shown.blocks), lead.id),
      poolRules(lead.number, NA, "U0REPPRIYA"),
      surface,
    );
    expectSees(
      await buttons.press(ACTIONS.claim, "U0REPPRIYA"),
      yours(lead.number),
      surface,
      "claim",
    );

    // `/leads find L-…` shows the owned card; its buttons answer the same way.
    const responseUrl = fakeSlack.current.responseUrl();
    await slack().slashCommand({
      text: `find L-${lead.number}`,
      user_id: "U0REPPRIYA",
      channel_id: NA.channel,
      response_url: responseUrl,
    });
    const found = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find(
        (r) =>
          responseUrl.endsWith(`/${r.id}`) && JSON.stringify(r.body).includes(ACTIONS.logTouch),
      ),
    );
    await pressEach(
      buttonsOf(found.body.blocks, lead.id),
      ownedRules(lead.number, "U0REPPRIYA", "U0REPSAM01"),
      surface,
    );
  });

  it("answers every button on /leads mine", async () => {
    const lead = await naLead("U0REPTOM01");
    const responseUrl = fakeSlack.current.responseUrl();
    await slack().slashCommand({
      text: "mine",
      user_id: "U0REPTOM01",
      channel_id: NA.channel,
      response_url: responseUrl,
    });
    const mine = await fakeSlack.current.waitFor(() =>
      fakeSlack.current.responses.find(
        (r) => responseUrl.endsWith(`/${r.id}`) && JSON.stringify(r.body).includes(lead.id),
      ),
    );
    await pressEach(
      buttonsOf(mine.body.blocks, lead.id),
      ownedRules(lead.number, "U0REPTOM01", "U0REPSAM01"),
      { on: "ephemeral", channelId: NA.channel },
    );
  });
});

describe("the App Home", () => {
  it("answers every button by DM (a Home click has no response URL), and redraws the Home", async () => {
    const lead = await naLead();
    await drawnIn(NA.channel, lead.id);
    const home = await openHome("U0REPPRIYA", `L-${lead.number}`);
    const surface: ClickSurface = { on: "home" };
    const rules = poolRules(lead.number, NA, "U0REPPRIYA");
    // Only Priya's Home shows her buttons: the wrong person here is a rep pressing Reassign.
    const drawn = buttonsOf(home.blocks, lead.id);
    const buttons = await pressEach(drawn, rules, surface);
    const from = fakeSlack.current.calls.length;
    expectSees(
      await buttons.press(ACTIONS.claim, "U0REPPRIYA"),
      yours(lead.number),
      surface,
      "claim",
    );
    const mine = await homeShowing(
      "U0REPPRIYA",
      (blocks) => buttonsOf(blocks, lead.id).some((b) => b.actionId === ACTIONS.logTouch),
      from,
    );
    expect(lineOf(mine.blocks, lead.number)).toContain("\nclaimed ·");

    // A Home drawn before someone else claimed: the late click is told who has it.
    const taken = await naLead();
    await drawnIn(NA.channel, taken.id);
    const stale = await openHome("U0REPSAM01", `L-${taken.number}`);
    await claimBy(taken.id, "U0REPMIKE1");
    const late = await press(buttonsOf(stale.blocks, taken.id)[0]!, "U0REPSAM01", surface);
    expect(late).toMatchObject({
      via: "dm",
      text: expect.stringMatching(/^<@U0REPMIKE1> already claimed this lead at /),
    });

    // Priya's own lead, from her Home: the owner's buttons.
    await pressEach(
      buttonsOf(mine.blocks, lead.id),
      ownedRules(lead.number, "U0REPPRIYA", "U0REPSAM01"),
      surface,
    );
  });

  it("shows an offer with Accept and Pass, and both work from the Home", async () => {
    const lead = await emeaLead();
    const to = lead.offeredTo;
    const other = EMEA_REPS.find((r) => r !== to)!;
    const home = await openHome(to, `L-${lead.number}`);
    expect(JSON.stringify(home.blocks)).toContain(":point_right: Offered to you");
    const buttons = await pressEach(
      buttonsOf(home.blocks, lead.id),
      offerRules(lead.number, to, other),
      { on: "home" },
    );
    const beforePass = fakeSlack.current.calls.length;
    const passed = await buttons.press(ACTIONS.pass, to);
    expect(passed).toMatchObject({ via: "dm", text: expect.stringMatching(/^Passed: /) });
    // The offer leaves the Home of the rep who passed it.
    await homeShowing(to, (blocks) => !lineOf(blocks, lead.number), beforePass);
    const next = await offeredTo(lead.id);
    const theirs = await openHome(next, `L-${lead.number}`);
    const accepted = await press(
      buttonsOf(theirs.blocks, lead.id).find((b) => b.actionId === ACTIONS.accept)!,
      next,
      { on: "home" },
    );
    expectSees(accepted, yours(lead.number), { on: "home" }, "accept");
  });

  it("tells the rep by DM when a form opened from the Home is refused on submission", async () => {
    const lead = await naLead("U0REPSAM01");
    const home = await openHome("U0REPSAM01", `L-${lead.number}`);
    const logTouch = buttonsOf(home.blocks, lead.id).find((b) => b.actionId === ACTIONS.logTouch)!;
    const opened = await press(logTouch, "U0REPSAM01", { on: "home" });
    expect(opened.modal).toBe(VIEWS.logTouch);
    const metadata = (JSON.parse(opened.blocks) as { private_metadata: string }).private_metadata;
    // While the form is open, the manager gives the lead to Tom; it leaves Sam's Home.
    const beforeReassign = fakeSlack.current.calls.length;
    await reassignTo(lead.id, "U0REPTOM01");
    app.current.outbox.wake();
    await homeShowing("U0REPSAM01", (blocks) => !lineOf(blocks, lead.number), beforeReassign);
    const from = fakeSlack.current.calls.length;
    await slack().interaction(
      buildViewSubmission({
        callbackId: VIEWS.logTouch,
        userId: "U0REPSAM01",
        privateMetadata: metadata,
        values: {
          kind: {
            kind_select: {
              type: "static_select",
              selected_option: { value: "call", text: { type: "plain_text", text: "Call" } },
            },
          },
          note: { note_input: { type: "plain_text_input", value: null } },
        },
      }),
    );
    const told = await fakeSlack.current.waitFor(() =>
      seenAfter(from, "U0REPSAM01", "", undefined),
    );
    expect(told).toMatchObject({
      via: "dm",
      text: "Only <@U0REPTOM01>, who owns this lead, can log touches on it.",
    });
  });
});

describe("a review page", () => {
  it("answers every button on the page, and the page shows the change", async () => {
    const open = await naLead();
    const owned = await naLead("U0REPSAM01");
    await drawnIn(NA.channel, open.id);
    const before = fakeSlack.current.visible(NA.channel).length;
    await slack().slashCommand({
      text: "review",
      user_id: NA.manager,
      channel_id: NA.channel,
      response_url: fakeSlack.current.responseUrl(),
    });
    const pageShowing = (leadId: string) =>
      fakeSlack.current.waitFor(() =>
        fakeSlack.current
          .visible(NA.channel)
          .slice(before)
          .find(
            (m) =>
              m.text?.startsWith("Lead review: NA Mid-Market") &&
              JSON.stringify(m.blocks).includes(leadId),
          ),
      );
    const ownedPage = await pageShowing(owned.id);
    await pressEach(
      buttonsOf(ownedPage.blocks, owned.id),
      ownedRules(owned.number, "U0REPSAM01", "U0REPTOM01"),
      { on: "channel", channelId: NA.channel, messageTs: ownedPage.ts },
    );
    const page = await pageShowing(open.id);
    await waitForReviewPage(page.ts);
    const surface: ClickSurface = { on: "channel", channelId: NA.channel, messageTs: page.ts };
    expect(lineOf(page.blocks, open.number)).toContain("\nwaiting for a claim ·");
    const buttons = await pressEach(
      buttonsOf(page.blocks, open.id),
      poolRules(open.number, NA, "U0REPTOM01"),
      surface,
    );
    expectSees(
      await buttons.press(ACTIONS.claim, "U0REPTOM01"),
      yours(open.number),
      surface,
      "claim",
    );
    await fakeSlack.current.waitFor(() => {
      const now = fakeSlack.current.visible(NA.channel).find((m) => m.ts === page.ts);
      return lineOf(now?.blocks, open.number)?.includes("\nclaimed ·") ? now : undefined;
    }, 20_000);
  });
});

// --- changes made outside the surface under test ---------------------------------------------

async function claimBy(leadId: string, user: string) {
  const { deps } = app.current;
  await claimLead({
    db: deps.db,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    userId: user,
    now: new Date(),
  });
}

async function reassignTo(leadId: string, user: string) {
  const { deps } = app.current;
  await reassignLead({
    db: deps.db,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    userId: NA.manager,
    toSlackUserId: user,
    now: new Date(),
  });
  expect(await ownerOf(leadId)).toBe(user);
}

/** A review page is recorded just after Slack answers its post; updates need the record. */
async function waitForReviewPage(ts: string) {
  for (const until = Date.now() + 15_000; Date.now() < until; ) {
    const recorded = await database.current.prisma.reviewPage.count({ where: { ts } });
    if (recorded > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the review page was never recorded");
}

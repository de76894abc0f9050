// `/leads mine` and `/leads find` over signed slash commands.
import { describe, expect, it } from "vitest";
import { useFakeSlack } from "#test/fakes/fake-slack.ts";
import { createSlackRequester } from "#test/fakes/slack-requests.ts";
import { SIGNING_SECRET, useTestApp } from "#test/setup/app.ts";
import { useTestDatabase } from "#test/setup/database.ts";
import { handedOffLead } from "#test/setup/leads.ts";

const fakeSlack = useFakeSlack();
const database = useTestDatabase();
const app = useTestApp(() => ({ db: database.current, slackApiUrl: fakeSlack.current.url }));

let n = 0;
async function lead(fields: Record<string, unknown>, claimBy?: string) {
  n += 1;
  return handedOffLead(app.current, { email: `find${n}@co${n}.example`, ...fields }, { claimBy });
}

async function command(text: string, userId: string) {
  const responseUrl = fakeSlack.current.responseUrl();
  const ack = await createSlackRequester({
    url: `${app.current.url}/slack/events`,
    signingSecret: SIGNING_SECRET,
  }).slashCommand({ text, user_id: userId, response_url: responseUrl });
  expect(ack.status).toBe(200);
  const answer = await fakeSlack.current.waitFor(() =>
    fakeSlack.current.responses.find((r) => responseUrl.endsWith(`/${r.id}`)),
  );
  const body = answer.body as { response_type?: string; text?: string; blocks?: unknown[] };
  return { ...body, all: JSON.stringify(body) };
}

describe("/leads mine", () => {
  it("lists my open leads with the buttons that fit, only to me", async () => {
    const mine = await lead(
      { country: "US", companySize: 100, firstName: "<!here>" },
      "U0REPMIKE1",
    );
    const reply = await command("mine", "U0REPMIKE1");
    expect(reply.response_type).toBe("ephemeral");
    expect(reply.text).toContain("Your open leads · 1 open lead");
    expect(reply.all).toContain(`L-${mine.number}`);
    expect(reply.all).toContain("lead_log_touch");
    expect(reply.all).toContain("&lt;!here&gt;");
    expect(reply.all).not.toContain("<!here>");
  });

  it("says so kindly when there is nothing", async () => {
    expect((await command("mine", "U0REPLUIS1")).text).toContain("You have no open leads");
  });
});

describe("/leads help", () => {
  it("lists every subcommand with examples", async () => {
    const reply = await command("help", "U0REPSAM01");
    for (const example of [
      "/leads review team na-midmarket private",
      "/leads mine",
      "/leads find L-1042",
      "/leads away until 2026-12-01",
      "/leads recall L-1042 reoffer",
      "/leads stats 30d by campaign",
      "/leads digest marketing",
    ]) {
      expect(reply.all).toContain(example);
    }
  });
});

describe("/leads find", () => {
  it("shows one lead's card by email or L-number", async () => {
    const found = await lead({ country: "US", companySize: 100, company: "Globex" });
    const byEmail = await command(`find <mailto:${found.email}|${found.email}>`, "U0REPSAM01");
    expect(byEmail.all).toContain(`L-${found.number}`);
    expect(byEmail.all).toContain("Globex");
    const byNumber = await command(`find L-${found.number}`, "U0REPSAM01");
    expect(byNumber.all).toContain(`L-${found.number}`);
  });

  it("lists the leads of a company that matches several", async () => {
    await lead({ country: "US", companySize: 100, company: "Initech Europe" });
    await lead({ country: "US", companySize: 100, company: "Initech US" });
    const reply = await command("find initech", "U0REPSAM01");
    expect(reply.text).toContain("Leads matching `initech`");
    expect(reply.text).toContain("Initech Europe");
    expect(reply.text).toContain("Initech US");
  });

  it("helps when there is nothing to find", async () => {
    expect((await command("find", "U0REPSAM01")).text).toContain("Say what to look for");
    expect((await command("find L-999999", "U0REPSAM01")).text).toContain("No lead is `L-999999`");
    expect((await command("find nothing-like-it", "U0REPSAM01")).text).toContain(
      "No lead's company matches",
    );
  });
});

// A qualified lead handed to its team through the real use cases, optionally claimed: the
// starting point of most end-to-end tests.
import type { Baton } from "#src/baton.ts";
import { leadRequestSchema } from "#src/intake/schemas.ts";
import { captureLead } from "#src/services/capture-lead.ts";
import { claimLead } from "#src/services/claim-lead.ts";
import { handOffLead } from "#src/services/hand-off-lead.ts";
import { INTAKE_TOKEN } from "#test/setup/app.ts";
import { eventually } from "#test/setup/eventually.ts";

export async function handedOffLead(
  app: Baton,
  /** Lead fields (email required); a demo request makes it qualify at once. */
  fields: Record<string, unknown> & { email: string },
  options: { claimBy?: string; now?: Date } = {},
) {
  const { deps } = app;
  const now = options.now ?? new Date();
  const { leadId } = await captureLead({
    db: deps.db,
    input: leadRequestSchema.parse({
      ...fields,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
    scoring: deps.playbook.current.scoring,
    accountMatching: false,
    actor: { type: "API" },
    now,
  });
  const use = {
    db: deps.db,
    playbook: deps.playbook.current,
    webhooks: deps.config.webhooks,
    leadId,
    now,
  };
  await handOffLead(use);
  if (options.claimBy) await claimLead({ ...use, userId: options.claimBy });
  return deps.db.prisma.lead.findUniqueOrThrow({ where: { id: leadId } });
}

/**
 * A lead sent to the running app's intake API with a demo request at `now` (so it qualifies),
 * once the hand-off has offered it: the lead with its team and the rep it is offered to.
 */
export async function capturedOverHttp(
  app: Baton & { url: string },
  token: string,
  fields: Record<string, unknown> & { email: string },
  now: Date,
) {
  const response = await fetch(`${app.url}/api/v1/leads`, {
    method: "POST",
    // A fresh connection each time: a kept-alive one the server closes as idle between two
    // leads (on a slow machine) fails the next request with "other side closed".
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      connection: "close",
    },
    body: JSON.stringify({
      ...fields,
      activities: [{ type: "demo_request", occurredAt: now.toISOString() }],
    }),
  });
  if (response.status >= 300) throw new Error(`intake answered ${response.status}`);
  const { lead } = (await response.json()) as { lead: { id: string } };
  app.outbox.wake();
  for (let i = 0; i < 400; i++) {
    const row = await app.deps.db.prisma.lead.findUniqueOrThrow({
      where: { id: lead.id },
      include: { offeredTo: true, team: true },
    });
    if (row.status !== "QUALIFIED" && row.status !== "CAPTURED") return row;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the lead was never handed off");
}

/** A qualified lead from the intake API (a demo request), as a website form would send it. */
export async function postDemoRequest(app: Baton & { url: string }, email: string) {
  const response = await fetch(`${app.url}/api/v1/leads`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${INTAKE_TOKEN}`,
      "content-type": "application/json",
      connection: "close",
    },
    body: JSON.stringify({
      email,
      firstName: "Casey",
      country: "US",
      companySize: 300,
      activities: [{ type: "demo_request", occurredAt: "2026-11-20T15:00:00Z" }],
    }),
  });
  if (response.status !== 201) throw new Error(`intake answered ${response.status}`);
  return ((await response.json()) as { lead: { id: string } }).lead.id;
}

/** The lead once offered: with the rep it is offered to and its "offered" events (the why). */
export function offeredLead(app: Baton, leadId: string) {
  return eventually(
    () =>
      app.deps.db.prisma.lead.findFirst({
        where: { id: leadId, status: "OFFERED" },
        include: { offeredTo: true, events: { where: { type: "offered" } } },
      }),
    { wake: () => app.outbox.wake() },
  );
}

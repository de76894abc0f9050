// What happened to a lead, as facts: "L-12 claimed by U1 at t". Use cases record them in the
// outbox with the change itself; subscribers (the card, people's DMs, the lead's thread, the
// marketing feed, webhooks, the CRM) turn them into what each surface shows, when they are
// delivered. A fact names people by id and times as instants, never as text for a surface.
import { z } from "zod";

const person = z.string().min(1);
const base = {
  leadId: z.string().min(1),
  number: z.number().int(),
  /** The lead's team when it happened (whose managers, channel and calendar apply). */
  teamKey: z.string().nullable(),
  at: z.iso.datetime(),
};

/** Who made a change: a person (by id) or a part of Baton. */
export const actorSchema = z.union([
  z.object({ person, as: z.enum(["rep", "owner", "manager", "marketer", "admin"]) }),
  z.object({ system: z.enum(["routing", "sla", "people", "capture", "crm"]) }),
]);
export type FactActor = z.infer<typeof actorSchema>;

export const leadFactSchema = z.discriminatedUnion("type", [
  /** Routed to a team: posted to its channel, or offered to one rep. */
  z.object({
    ...base,
    type: z.literal("offered"),
    team: z.string(),
    rep: person.nullable(),
    channel: z.string().nullable(),
    routing: z.string(),
    cycle: z.number().int(),
    /** Back to the same card in the channel (reopened), rather than a new card. */
    reopened: z.boolean(),
  }),
  z.object({ ...base, type: z.literal("claimed"), by: person }),
  /** An offer to one rep ended without a claim. */
  z.object({
    ...base,
    type: z.literal("offer_ended"),
    rep: person.nullable(),
    why: z.enum(["passed", "timed_out", "withdrawn"]),
    reason: z.string().nullable(),
  }),
  z.object({
    ...base,
    type: z.literal("touched"),
    by: person,
    kind: z.string(),
    touch: z.number().int(),
  }),
  z.object({
    ...base,
    type: z.literal("disqualified"),
    actor: actorSchema,
    reasonKey: z.string(),
    reason: z.string(),
    note: z.string().nullable(),
  }),
  z.object({
    ...base,
    type: z.literal("nurtured"),
    actor: actorSchema,
    reasonKey: z.string(),
    reason: z.string(),
    note: z.string().nullable(),
    resurfaceAt: z.iso.datetime().nullable(),
  }),
  z.object({
    ...base,
    type: z.literal("converted"),
    actor: actorSchema,
    amount: z.string().nullable(),
    opportunityId: z.string().nullable(),
    note: z.string().nullable(),
  }),
  /** Its owner (or a manager) let it go, with a reason. */
  z.object({
    ...base,
    type: z.literal("released"),
    actor: actorSchema,
    owner: person.nullable(),
    reason: z.string(),
  }),
  /** The SLA took it back from an owner who did not work it. */
  z.object({
    ...base,
    type: z.literal("expired"),
    owner: person.nullable(),
    stalled: z.boolean(),
    /** Business time since the claim (never touched) or the last touch (stalled). */
    idleMs: z.number(),
    touchCount: z.number().int(),
  }),
  /** Its owner left (deactivated, out of the playbook). */
  z.object({ ...base, type: z.literal("unassigned"), owner: person, why: z.string() }),
  z.object({
    ...base,
    type: z.literal("reassigned"),
    by: person,
    from: person.nullable(),
    to: person,
  }),
  /** Nobody in its team took it in time: on to the overflow team. */
  z.object({
    ...base,
    type: z.literal("overflowed"),
    toTeam: z.string(),
    waitedMs: z.number(),
  }),
  z.object({
    ...base,
    type: z.literal("recalled"),
    by: person,
    action: z.enum(["nurture", "reoffer"]),
    owner: person.nullable(),
    note: z.string().nullable(),
  }),
  /** Its nurture date came: back to sales when its score still qualifies. */
  z.object({ ...base, type: z.literal("resurfaced"), ready: z.boolean(), score: z.number() }),
  /** An SLA step that asks someone to act: a reminder, a nudge, a ghost alert. */
  z.object({
    ...base,
    type: z.literal("sla_due"),
    stage: z.string(),
    step: z.enum(["remind", "nudge", "follow_up", "ghost"]),
    ghost: z
      .enum(["unclaimed", "untouched", "stalled", "nobody-left", "held", "held-admins"])
      .nullable(),
    /** A held lead's alert: why nobody could take it (each rep's skip reason), and what next. */
    why: z.string().nullable().optional(),
    /** Business time since the offer, claim or last touch, as the step counts it. */
    waitedMs: z.number(),
    owner: person.nullable(),
    offeredTo: person.nullable(),
    ownerAway: z.boolean(),
    touchCount: z.number().int(),
  }),
]);
export type LeadFact = z.infer<typeof leadFactSchema>;
export type LeadFactType = LeadFact["type"];
export type FactOf<T extends LeadFactType> = Extract<LeadFact, { type: T }>;

/** A person left and their open leads moved: one fact for the managers, not per lead. */
export const peopleFactSchema = z.object({
  type: z.literal("rep_left"),
  rep: person,
  why: z.string(),
  at: z.iso.datetime(),
  moved: z.array(
    z.object({
      number: z.number().int(),
      teamKey: z.string().nullable(),
      to: z.union([
        z.object({ rep: person }),
        z.object({ channel: z.string() }),
        z.object({ nobody: z.literal(true) }),
      ]),
    }),
  ),
});
export type PeopleFact = z.infer<typeof peopleFactSchema>;

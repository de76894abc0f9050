// The AI brief: three short lines and a suggested opener from the `openai` client, written from
// what the card already shows. Never waited for: the card goes out with the deterministic brief
// and gets this one by chat.update when (if) the model answers in time. No email address or
// phone number is sent to the model; its answer is validated and escaped like any user text.
import { z } from "zod";
import type { Config } from "#src/config.ts";
import { describeActivity } from "#src/read-models/lead-activity.ts";
import type { Brief } from "#src/read-models/lead-brief.ts";
import type { LeadCardView } from "#src/read-models/lead-card.ts";

const answerSchema = z.object({
  lines: z.tuple([
    z.string().min(1).max(300),
    z.string().min(1).max(300),
    z.string().min(1).max(300),
  ]),
  opener: z.string().min(1).max(400),
});

const INSTRUCTIONS = [
  "You help a B2B sales rep act on a lead that marketing just handed over.",
  'Answer with JSON only: {"lines": [three strings], "opener": string}.',
  "Line 1: who they are and why they fit. Line 2: what they did recently and when.",
  "Line 3: where they came from (source, campaign, event, who talked to them).",
  "Each line under 200 characters, factual, only from the data given. The opener is one or two",
  "sentences the rep could say or write first, referring to what the lead actually did.",
  "When hasBookingLink is true, the opener ends by offering a time to talk; do not write a link,",
  "the rep's booking link is added after it.",
].join(" ");

export type BriefOutcome =
  | { ok: true; brief: Brief }
  | { ok: false; reason: "no_key" | "timeout" | "error" | "bad_output"; detail?: string };

export async function generateBrief(
  config: Config["openai"],
  view: LeadCardView,
  now: Date,
): Promise<BriefOutcome> {
  if (!config.apiKey) return { ok: false, reason: "no_key" };
  // Loaded on the first brief: a Baton without an API key never carries the client.
  const { default: OpenAI } = await import("openai");
  const client = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseUrl,
    timeout: config.timeoutMs,
    maxRetries: 0,
  });
  let content: string | null | undefined;
  try {
    const completion = await client.chat.completions.create({
      model: config.model,
      response_format: { type: "json_object" },
      temperature: 0.3,
      messages: [
        { role: "system", content: INSTRUCTIONS },
        { role: "user", content: JSON.stringify(leadFacts(view, now)) },
      ],
    });
    content = completion.choices[0]?.message.content;
  } catch (error) {
    if (error instanceof OpenAI.APIConnectionTimeoutError) return { ok: false, reason: "timeout" };
    return {
      ok: false,
      reason: "error",
      detail:
        error instanceof OpenAI.APIError ? `HTTP ${error.status ?? "?"}` : (error as Error).name,
    };
  }
  try {
    const parsed = answerSchema.safeParse(JSON.parse(content ?? ""));
    if (!parsed.success) return { ok: false, reason: "bad_output", detail: "schema" };
    return { ok: true, brief: { ...parsed.data, ai: true } };
  } catch {
    return { ok: false, reason: "bad_output", detail: "not JSON" };
  }
}

/** What the model may know: the card's facts, without email, phone or any id. */
export function leadFacts(view: LeadCardView, now: Date) {
  return {
    name: [view.firstName, view.lastName].filter(Boolean).join(" ") || undefined,
    title: view.title ?? undefined,
    company: view.company ?? undefined,
    companySize: view.companySize ?? undefined,
    industry: view.industry ?? undefined,
    location: [view.city, view.region, view.country].filter(Boolean).join(", ") || undefined,
    source: view.source ?? undefined,
    campaign: view.campaign ?? undefined,
    hasBookingLink: view.bookingUrl ? true : undefined,
    score: view.score,
    scoreReasons: (view.scoreBreakdown ?? []).slice(0, 8).map((l) => l.label),
    today: now.toISOString().slice(0, 10),
    activities: view.activities.slice(0, 20).map((a) => ({
      what: ((d) => (d.what ? `${d.did}: ${d.what}` : d.did))(describeActivity(a)),
      when: a.occurredAt.toISOString().slice(0, 10),
      event: a.eventName ?? undefined,
      message: a.message ?? undefined,
      talkedTo: a.colleague ?? undefined,
      colleagueNote: a.colleagueNote ?? undefined,
    })),
  };
}

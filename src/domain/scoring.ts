// Lead scoring: fit (who the lead is) plus behaviour (what they did, decaying with age).
// Pure: the same lead, activities, model and `now` always give the same score and breakdown.
import { type LeadFacts, matchesWhen } from "#src/domain/conditions.ts";
import type { Scoring } from "#src/playbook/schema.ts";

export interface ScoredActivity {
  type: string;
  occurredAt: Date;
}

/** One line of the breakdown the lead card shows ("Pricing page ×3: +24"). */
export interface ScoreLine {
  kind: "fit" | "behavior";
  label: string;
  points: number;
  /** Activities of this type counted (behaviour lines). */
  count?: number;
}

export interface Score {
  total: number;
  fit: number;
  behavior: number;
  breakdown: ScoreLine[];
  /** The hand-raise activity type that qualifies the lead at once, if any. */
  handRaise?: string;
}

export function scoreLead(
  lead: LeadFacts,
  activities: ScoredActivity[],
  model: Scoring,
  now: Date,
): Score {
  const breakdown: ScoreLine[] = [];
  let fit = 0;
  for (const rule of model.fit) {
    if (matchesWhen(lead, rule.when)) {
      fit += rule.points;
      breakdown.push({ kind: "fit", label: rule.name, points: rule.points });
    }
  }

  const { weights, halfLife, window, capPerType } = model.behavior;
  const perType = new Map<string, { points: number; count: number }>();
  let handRaise: { type: string; at: number } | undefined;
  for (const activity of activities) {
    const age = now.getTime() - activity.occurredAt.getTime();
    if (age > window) continue;
    if (
      model.handRaises.includes(activity.type) &&
      (!handRaise || activity.occurredAt.getTime() > handRaise.at)
    ) {
      handRaise = { type: activity.type, at: activity.occurredAt.getTime() };
    }
    const weight = weights[activity.type];
    if (!weight) continue;
    // Future-dated activities (clock skew at the sender) count as fresh, not as more.
    const decay = 0.5 ** (Math.max(0, age) / halfLife);
    const entry = perType.get(activity.type) ?? { points: 0, count: 0 };
    entry.points += weight * decay;
    entry.count += 1;
    perType.set(activity.type, entry);
  }

  let behavior = 0;
  for (const [type, entry] of [...perType].sort(
    (a, b) => Math.abs(b[1].points) - Math.abs(a[1].points),
  )) {
    let points = Math.round(entry.points);
    if (capPerType !== undefined) points = Math.max(-capPerType, Math.min(capPerType, points));
    if (points === 0) continue;
    behavior += points;
    breakdown.push({ kind: "behavior", label: humanize(type), points, count: entry.count });
  }

  return { total: fit + behavior, fit, behavior, breakdown, handRaise: handRaise?.type };
}

/** "pricing_page" → "Pricing page" */
export function humanize(type: string): string {
  const text = type.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// The playbook manifest (manifests/playbook.yml): teams, routing, scoring, SLAs and reason
// lists, as RevOps writes them. Validated by zod; types are inferred from the schema.
import { validate as validCron } from "node-cron";
import { z } from "zod";
import { parseDuration } from "#src/domain/duration.ts";
import { crmSchema } from "#src/playbook/crm-schema.ts";

const slackUserId = z
  .string()
  .regex(
    /^[UW][A-Z0-9]{2,}$/,
    "must be a Slack user id like U024BE7LH (profile → ⋮ → Copy member ID)",
  );

const slackChannelId = z
  .string()
  .regex(
    /^[CG][A-Z0-9]{2,}$/,
    "must be a Slack channel id like C024BE91L (channel name → About → Channel ID at the bottom)",
  );

const key = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    "must be lowercase letters, digits and dashes, e.g. emea-enterprise",
  );

const durationText = z.union([z.string(), z.number()]);
const toMilliseconds = (value: string | number, ctx: z.RefinementCtx): number => {
  const ms = typeof value === "number" ? undefined : parseDuration(value);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({
      code: "custom",
      message: 'must be a duration such as "90s", "15m", "2h" or "3d"',
    });
    return z.NEVER;
  }
  return ms;
};
const duration = durationText.transform(toMilliseconds);
const durationOr = (fallback: string) => durationText.default(fallback).transform(toMilliseconds);

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like "09:00"');

const weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], {
  message: "must be one of mon, tue, wed, thu, fri, sat, sun",
});

const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as "Europe/Berlin" or "America/New_York"' },
);

const cronExpression = z.string().refine((expression) => validCron(expression), {
  message:
    'must be a cron expression such as "0 9 * * 1" (minute hour day-of-month month day-of-week: Mondays at 09:00)',
});

export const DEFAULT_DIGEST_CRON = "0 9 * * 1";

/** When a team's weekly digest is posted: a cron expression in a time zone. */
const teamDigest = z
  .object({
    /** Cron expression; the playbook's `digest.cron` when absent (default Mondays 09:00). */
    cron: cronExpression.optional(),
    /** The team's time zone when absent. */
    timezone: timezone.optional(),
    /** false: no scheduled digest for this team (`/leads digest` still works). */
    enabled: z.boolean().default(true),
  })
  .strict();

const businessHours = z
  .object({
    days: z.array(weekday).min(1).default(["mon", "tue", "wed", "thu", "fri"]),
    start: time.default("09:00"),
    end: time.default("17:00"),
    /** Dates (YYYY-MM-DD) that are not business days. */
    holidays: z
      .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2026-12-25"))
      .default([]),
  })
  .strict()
  .refine((hours) => hours.start < hours.end, {
    message: "start must be before end",
    path: ["end"],
  });

/** Lead fields a rule can look at; `attributes.<name>` reads a custom attribute. */
export const LEAD_FIELDS = [
  "email",
  "emailDomain",
  "title",
  "company",
  "companyDomain",
  "companySize",
  "industry",
  "country",
  "region",
  "city",
  "source",
  "campaign",
] as const;

const field = z
  .string()
  .refine(
    (name) =>
      (LEAD_FIELDS as readonly string[]).includes(name) || /^attributes\.[\w.-]+$/.test(name),
    { message: `must be a lead field (${LEAD_FIELDS.join(", ")}) or attributes.<name>` },
  );

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One test on one field. Text comparisons ignore case. */
const condition = z
  .object({
    field,
    equals: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    notIn: z.array(scalar).min(1).optional(),
    contains: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    matches: z
      .string()
      .refine(
        (source) => {
          try {
            new RegExp(source, "i");
            return true;
          } catch {
            return false;
          }
        },
        { message: "must be a valid regular expression" },
      )
      .optional(),
    gte: z.number().optional(),
    gt: z.number().optional(),
    lte: z.number().optional(),
    lt: z.number().optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine(
    (c) =>
      ["equals", "in", "notIn", "contains", "matches", "gte", "gt", "lte", "lt", "exists"].some(
        (op) => c[op as keyof typeof c] !== undefined,
      ),
    { message: "needs a test: equals, in, notIn, contains, matches, gte, gt, lte, lt or exists" },
  );

export type Condition = z.infer<typeof condition>;

/** A list means all must hold; `{ any: [...] }` means one is enough. */
const when = z.union([
  z.array(condition).min(1),
  z.object({ all: z.array(condition).min(1) }).strict(),
  z.object({ any: z.array(condition).min(1) }).strict(),
]);

export type When = z.infer<typeof when>;

/** A rep's meeting booking page (Calendly, Chili Piper, HubSpot Meetings...): https only. */
const bookingUrl = z
  .string()
  .max(300, "must be at most 300 characters")
  .refine(
    (raw) => {
      try {
        const url = new URL(raw);
        return url.protocol === "https:" && !/[\s<>|]/.test(raw);
      } catch {
        return false;
      }
    },
    { message: 'must be an https link such as "https://calendly.com/priya-sharma/30min"' },
  );

const rep = z
  .object({
    user: slackUserId,
    name: z.string().min(1).optional(),
    /** Share of round-robin assignments: a rep with weight 2 gets twice as many. */
    weight: z.number().int().min(1).max(100).default(1),
    /** Most open leads (offered, claimed, working) at once; unlimited when absent. */
    capacity: z.number().int().min(1).optional(),
    /** Most leads routed to the rep per day / per week (Monday to Sunday), in their time zone. */
    dailyCap: z.number().int().min(1, "must be at least 1 (leave it out for no cap)").optional(),
    weeklyCap: z.number().int().min(1, "must be at least 1 (leave it out for no cap)").optional(),
    /** Overrides the rep's Slack profile time zone (hours, caps and SLA clocks use it). */
    timezone: timezone.optional(),
    /**
     * The rep's own working hours, in their time zone: assign-mode offers go to them only
     * inside these hours, and the SLA clocks of the leads they hold run in them.
     */
    hours: businessHours.optional(),
    /** Offered to the lead in the card's suggested opener once the lead is this rep's. */
    bookingUrl: bookingUrl.optional(),
  })
  .strict();

/**
 * One step of a team's fallback chain, for an assign-mode lead nobody can take (every rep away,
 * capped, at capacity or off shift): the lead is held (never unassigned) and each step comes
 * `after` its hold, in the team's business time, until a rep can take it.
 */
const fallbackStep = z
  .object({
    /** How long after the hold (business time); "0m" or absent: at once. */
    after: durationText
      .optional()
      .transform((v, ctx) =>
        v === undefined || /^0+[smhd]?$/.test(String(v)) ? 0 : toMilliseconds(v, ctx),
      ),
    /** Tell the team's managers, or the playbook's admins, why nobody could take it. */
    alert: z.enum(["managers", "admins"], { message: "must be managers or admins" }).optional(),
    /** Offer it to this team instead. */
    overflow: key.optional(),
  })
  .strict()
  .superRefine((step, ctx) => {
    if ((step.alert === undefined) === (step.overflow === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "each step needs exactly one of alert (managers or admins) or overflow (a team key)",
      });
    }
  })
  .transform((step) => ({ afterMs: step.after, alert: step.alert, overflow: step.overflow }));
export type FallbackStep = z.output<typeof fallbackStep>;

/** A team's fallback chain: teams that exist, admins to alert, steps in order, assign mode. */
function checkFallback(
  playbook: { teams: { key: string; mode: string; fallback?: FallbackStep[] }[]; admins: string[] },
  i: number,
  ctx: z.RefinementCtx,
  checkTeam: (teamKey: string | undefined, path: (string | number)[]) => void,
) {
  const t = playbook.teams[i]!;
  t.fallback?.forEach((step, j) => {
    const at = ["teams", i, "fallback", j];
    checkTeam(step.overflow, [...at, "overflow"]);
    if (step.overflow && step.afterMs === 0) {
      ctx.addIssue({
        code: "custom",
        path: [...at, "after"],
        message: 'an overflow step needs a wait, such as after: "30m" (the managers hear first)',
      });
    }
    if (step.overflow === t.key) {
      ctx.addIssue({
        code: "custom",
        path: [...at, "overflow"],
        message: "cannot be the team itself",
      });
    }
    if (step.alert === "admins" && playbook.admins.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: [...at, "alert"],
        message: "alerts the admins, but the playbook lists no admins: add them to admins",
      });
    }
    const before = t.fallback?.[j - 1];
    if (before && step.afterMs < before.afterMs) {
      ctx.addIssue({
        code: "custom",
        path: [...at, "after"],
        message: "must not be shorter than the step before it: the steps run in order",
      });
    }
  });
  const loop = fallbackLoop(playbook.teams, i);
  if (loop) {
    const j = t.fallback!.findIndex((step) => step.overflow === loop[1]);
    ctx.addIssue({
      code: "custom",
      path: ["teams", i, "fallback", j, "overflow"],
      message: `makes a loop of overflows (${loop.join(" → ")}): a held lead would be handed round it; end one of these chains with alert: admins instead`,
    });
  }
  if (t.fallback && t.mode !== "assign") {
    ctx.addIssue({
      code: "custom",
      path: ["teams", i, "fallback"],
      message: "applies to assign mode only: a claim team's leads wait in its channel",
    });
  }
}

/**
 * The loop of fallback overflows through team `i` ("a → b → a"), named once: from the team of
 * the loop that comes first in the playbook; undefined when there is none.
 */
function fallbackLoop(
  teams: { key: string; fallback?: FallbackStep[] }[],
  i: number,
): string[] | undefined {
  const next = (key: string) =>
    teams
      .find((t) => t.key === key)
      ?.fallback?.flatMap((step) => (step.overflow ? [step.overflow] : [])) ?? [];
  const start = teams[i]!.key;
  // Breadth first from the team's own overflows, remembering how each team was reached.
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const to of next(at)) {
      if (to === start && at === start) continue; // "cannot be the team itself" says it
      if (to === start) {
        const path = [at];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        const first = Math.min(...path.map((key) => teams.findIndex((t) => t.key === key)));
        return first === i ? [...path, start] : undefined;
      }
      if (!cameFrom.has(to) && to !== start) {
        cameFrom.set(to, at);
        queue.push(to);
      }
    }
  }
  return undefined;
}

const team = z
  .object({
    key,
    name: z.string().min(1),
    channel: slackChannelId,
    /** claim: posted to the channel, first click wins. assign: offered to one rep by DM. */
    mode: z.enum(["claim", "assign"], { message: "must be claim or assign" }).default("claim"),
    managers: z.array(slackUserId).min(1, "needs at least one manager for ghost alerts"),
    reps: z.array(rep).min(1, "needs at least one rep"),
    timezone: timezone.optional(),
    businessHours: businessHours.optional(),
    /** The SLA policy's key; the playbook's default policy when absent. */
    sla: key.optional(),
    /** Where leads go when nobody here takes them in time. */
    overflow: key.optional(),
    /**
     * Assign mode: what happens to a lead no rep can take now, in order (see README, "When
     * nobody can take a lead"). Absent: it is posted to the team channel for claims.
     */
    fallback: z
      .array(fallbackStep)
      .min(1, "needs at least one step, or leave fallback out")
      .optional(),
    /** This team's weekly digest schedule; the playbook's `digest` block fills the gaps. */
    digest: teamDigest.optional(),
  })
  .strict();

const slaPolicy = z
  .object({
    offered: z
      .object({ remind: duration, escalate: duration, reassign: duration })
      .strict()
      .refine((s) => s.remind < s.escalate && s.escalate < s.reassign, {
        message: "must grow: remind < escalate < reassign",
      }),
    claimed: z
      .object({ nudge: duration, escalate: duration, release: duration })
      .strict()
      .refine((s) => s.nudge < s.escalate && s.escalate < s.release, {
        message: "must grow: nudge < escalate < release",
      }),
    working: z
      .object({
        followUp: duration,
        /** Still no touch: a ghost alert to the manager(s). Default: twice `followUp`. */
        escalate: duration.optional(),
        /** Still no touch: back to the pool for someone who will work it. Default: never. */
        release: duration.optional(),
      })
      .strict()
      .refine(
        (s) =>
          (s.escalate === undefined || s.followUp < s.escalate) &&
          (s.release === undefined || s.release > (s.escalate ?? s.followUp * 2)),
        { message: "must grow: followUp < escalate < release" },
      ),
    /** In assign mode: how long a rep has to accept before the next rep is offered the lead. */
    offerTimeout: duration.optional(),
    /** A "no response" disqualification with fewer touches asks the rep to confirm. */
    minTouches: z.number().int().min(0).default(5),
  })
  .strict();

const fitRule = z
  .object({
    name: z.string().min(1),
    when,
    points: z.number().int().min(-100).max(100),
  })
  .strict();

const activityType = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "must be an activity type in snake_case, e.g. pricing_page");

const scoring = z
  .object({
    /** A lead whose total score reaches this is qualified for sales. */
    threshold: z.number().int().min(1),
    /** Activity types that qualify a lead at once, whatever its score. */
    handRaises: z.array(activityType).default(["demo_request", "contact_sales"]),
    fit: z.array(fitRule).default([]),
    behavior: z
      .object({
        /** Points per activity of each type. */
        weights: z.record(activityType, z.number().int().min(-100).max(100)),
        /** An activity's points halve every `halfLife`. */
        halfLife: durationOr("30d"),
        /** Activities older than this count for nothing. */
        window: durationOr("90d"),
        /** Most points one activity type can contribute. */
        capPerType: z.number().int().min(1).optional(),
      })
      .strict(),
  })
  .strict();

const routingRule = z
  .object({
    name: z.string().min(1),
    team: key,
    when,
  })
  .strict();

const reason = z
  .object({
    key,
    label: z.string().min(1).max(75),
    /**
     * Disqualify reasons only: a junk lead (bad data, a duplicate, an existing customer) is
     * credited back to the rep who had it, so it does not count toward their share or caps.
     */
    credit: z.boolean().optional(),
  })
  .strict();

export const playbookSchema = z
  .object({
    version: z.literal(1, { message: "must be 1" }),
    timezone: timezone.default("UTC"),
    businessHours: businessHours.default({
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "09:00",
      end: "17:00",
      holidays: [],
    }),
    /** Slack users who may run admin commands such as /leads reload. */
    admins: z.array(slackUserId).default([]),
    /**
     * A rep whose Slack status has one of these emoji, or one of these words in its text, is
     * away (no offers, their offers move on) until the status clears or expires.
     */
    availability: z
      .object({
        awayEmoji: z
          .array(z.string().regex(/^:[a-z0-9_+'-]+:$/, 'must be an emoji code like ":palm_tree:"'))
          .default([":palm_tree:", ":face_with_thermometer:", ":airplane:"]),
        awayWords: z
          .array(z.string().trim().min(2, "must be a word or phrase"))
          .default(["OOO", "out of office", "vacation", "holiday", "out sick", "parental leave"]),
      })
      .strict()
      .default({
        awayEmoji: [":palm_tree:", ":face_with_thermometer:", ":airplane:"],
        awayWords: ["OOO", "out of office", "vacation", "holiday", "out sick", "parental leave"],
      }),
    marketing: z
      .object({
        /** Dispositions are posted here as they happen; the marketing digest too. */
        channel: slackChannelId,
        /** Who may recall leads from sales (/leads recall). */
        marketers: z.array(slackUserId).default([]),
      })
      .strict(),
    teams: z.array(team).min(1, "needs at least one team"),
    routing: z
      .object({
        rules: z.array(routingRule).default([]),
        /** The team for leads no rule matches. */
        default: key,
        /** A new lead from a company whose account has an active owner goes to that owner. */
        accountMatching: z.boolean().default(true),
        /**
         * When this many cards or more are due for one channel at once (a trade-show import),
         * the channel gets one summary listing them with Claim buttons instead of a card each.
         * 0 turns summaries off.
         */
        burstSummary: z
          .number()
          .int()
          .refine((n) => n === 0 || n >= 2, "must be 0 (off) or at least 2")
          .default(5),
      })
      .strict(),
    scoring,
    sla: z
      .object({
        default: key,
        policies: z.record(key, slaPolicy),
      })
      .strict(),
    reasons: z
      .object({
        disqualify: z.array(reason).min(1, "needs at least one reason"),
        nurture: z.array(reason).min(1, "needs at least one reason"),
        release: z.array(reason).default([
          { key: "no-capacity", label: "No capacity" },
          { key: "wrong-territory", label: "Wrong territory" },
          { key: "other", label: "Other" },
        ]),
      })
      .strict(),
    /**
     * The weekly digests: each team's (to its channel and the marketing channel) and the
     * marketing digest over all teams (to the marketing channel). Each covers the 7 days
     * before it is sent.
     */
    digest: z
      .object({
        /** Default schedule for every team, and the marketing digest's. */
        cron: cronExpression.optional(),
        /** Older name of `cron`. */
        schedule: cronExpression.optional(),
        /** The marketing digest's time zone (and teams' without one): the playbook's when absent. */
        timezone: timezone.optional(),
        /** false: no scheduled marketing digest. */
        marketing: z.boolean().default(true),
      })
      .strict()
      .default({ marketing: true }),
    /** CRM sync: field mappings in, statuses out (playbook/crm-schema.ts). */
    crm: crmSchema,
  })
  .strict()
  .superRefine((playbook, ctx) => {
    const teamKeys = new Set<string>();
    playbook.teams.forEach((t, i) => {
      if (teamKeys.has(t.key)) {
        ctx.addIssue({
          code: "custom",
          path: ["teams", i, "key"],
          message: `"${t.key}" is used by another team`,
        });
      }
      teamKeys.add(t.key);
    });
    const checkTeam = (teamKey: string | undefined, path: (string | number)[]) => {
      if (teamKey !== undefined && !teamKeys.has(teamKey)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `names team "${teamKey}", which is not in teams (${[...teamKeys].join(", ")})`,
        });
      }
    };
    checkTeam(playbook.routing.default, ["routing", "default"]);
    playbook.routing.rules.forEach((rule, i) => {
      checkTeam(rule.team, ["routing", "rules", i, "team"]);
    });
    const policies = Object.keys(playbook.sla.policies);
    const checkPolicy = (policy: string | undefined, path: (string | number)[]) => {
      if (policy !== undefined && !policies.includes(policy)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `names SLA policy "${policy}", which is not in sla.policies (${policies.join(", ")})`,
        });
      }
    };
    checkPolicy(playbook.sla.default, ["sla", "default"]);
    playbook.teams.forEach((t, i) => {
      checkTeam(t.overflow, ["teams", i, "overflow"]);
      if (t.overflow === t.key) {
        ctx.addIssue({
          code: "custom",
          path: ["teams", i, "overflow"],
          message: "cannot be the team itself",
        });
      }
      checkPolicy(t.sla, ["teams", i, "sla"]);
      checkFallback(playbook, i, ctx, checkTeam);
      const users = new Set<string>();
      t.reps.forEach((r, j) => {
        if (r.dailyCap !== undefined && r.weeklyCap !== undefined && r.weeklyCap < r.dailyCap) {
          ctx.addIssue({
            code: "custom",
            path: ["teams", i, "reps", j, "weeklyCap"],
            message: `must be at least dailyCap (${r.dailyCap})`,
          });
        }
        if (users.has(r.user)) {
          ctx.addIssue({
            code: "custom",
            path: ["teams", i, "reps", j, "user"],
            message: `${r.user} is listed twice in this team`,
          });
        }
        users.add(r.user);
      });
    });
    for (const list of ["disqualify", "nurture", "release"] as const) {
      const seen = new Set<string>();
      playbook.reasons[list].forEach((r, i) => {
        if (seen.has(r.key)) {
          ctx.addIssue({
            code: "custom",
            path: ["reasons", list, i, "key"],
            message: `"${r.key}" is listed twice`,
          });
        }
        seen.add(r.key);
      });
    }
  });

export type Playbook = z.infer<typeof playbookSchema>;
export type PlaybookTeam = Playbook["teams"][number];
export type PlaybookRep = PlaybookTeam["reps"][number];
export type SlaPolicy = z.infer<typeof slaPolicy>;
export type BusinessHours = z.infer<typeof businessHours>;
export type RoutingRule = z.infer<typeof routingRule>;
export type Scoring = z.infer<typeof scoring>;

/**
 * A rep's booking link: their entry in the lead's team first, else any team that lists them
 * with one (a rep in two teams usually has one calendar).
 */
export function bookingUrlOf(
  playbook: Playbook,
  slackUserId: string | null | undefined,
  teamKey?: string,
): string | undefined {
  if (!slackUserId) return undefined;
  const entries = playbook.teams
    .toSorted((a, b) => Number(b.key === teamKey) - Number(a.key === teamKey))
    .flatMap((t) => t.reps.filter((r) => r.user === slackUserId));
  return entries.find((r) => r.bookingUrl)?.bookingUrl;
}

/**
 * A rep's time zone in a team: their own in the playbook, else the one their Slack profile
 * says, else the team's, else the playbook's.
 */
export function repTimeZone(
  playbook: Playbook,
  teamKey: string,
  slackUserId: string,
  slackTimeZone?: string | null,
): string {
  const team = playbook.teams.find((t) => t.key === teamKey);
  const entry = team?.reps.find((r) => r.user === slackUserId);
  return entry?.timezone ?? slackTimeZone ?? team?.timezone ?? playbook.timezone;
}

/** A rep's own working hours in a team, when the playbook gives them. */
export function repHours(
  playbook: Playbook,
  teamKey: string | null | undefined,
  slackUserId: string | null | undefined,
): BusinessHours | undefined {
  const team = playbook.teams.find((t) => t.key === teamKey);
  return team?.reps.find((r) => r.user === slackUserId)?.hours;
}

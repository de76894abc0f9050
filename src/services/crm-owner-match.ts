// Owner matching before routing (playbook crm.<crm>.ownerMatching): the lead's owner in the CRM
// (its contact's, or its company's), offered the lead first when they are a Baton rep, with the
// usual SLA; when they pass or do not act, the rules route it as always. The CRM is asked with
// a time limit and its answers are remembered for a while, so a hand-off waits at most
// `timeoutMs` for it, and a burst from one company asks once. A CRM that fails or is slow
// changes nothing: the lead is routed by the rules, and the failure is logged (without the
// lead's email or domain).
import type { CrmOwner, CrmOwnerLookup } from "#src/crm/crm-provider.ts";
import type { Database } from "#src/db/database.ts";
import { errorMessage } from "#src/errors.ts";
import type { Logger } from "#src/logger.ts";

/** The rep the CRM says owns the lead, for routing to offer it to first. */
export interface CrmOwnerMatch {
  repId: string;
  crm: string;
  of: CrmOwner["of"];
}

export interface CrmOwnerMatcherOptions {
  lookup: CrmOwnerLookup;
  /** The Slack user with this email (users.lookupByEmail), if any. */
  slackUserByEmail: (email: string) => Promise<string | undefined>;
  logger: Logger;
  now?: () => number;
  timeoutMs?: number;
  ttlMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_TTL_MS = 10 * 60_000;

export class CrmOwnerMatcher {
  private readonly owners = new Map<
    string,
    { until: number; owner: Promise<CrmOwner | undefined> }
  >();
  private readonly users = new Map<string, { until: number; user: Promise<string | undefined> }>();

  constructor(private readonly options: CrmOwnerMatcherOptions) {}

  get crm(): string {
    return this.options.lookup.crm;
  }

  /**
   * The CRM owner as a rep of this Baton, or undefined (none, not a rep, or no answer within
   * `timeoutMs`: the playbook's crm.<crm>.ownerMatchingWait, else the matcher's own limit).
   */
  async match(
    db: Database,
    lead: { id?: string; email: string; companyDomain: string | null },
    timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  ): Promise<CrmOwnerMatch | undefined> {
    const { logger, lookup } = this.options;
    // The time limit is for the CRM's answer, not for loading its client library once.
    await lookup.warm?.();
    const started = this.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), timeoutMs);
    });
    try {
      const found = await Promise.race([this.repOf(db, lead), late]);
      if (found === "late") {
        logger.warn(
          { crm: this.crm, leadId: lead.id, timeoutMs },
          `${this.crm} did not say who owns the lead within ${timeoutMs} ms: routed by the playbook's rules (its answer is kept for the next lead)`,
        );
        return undefined;
      }
      logger.debug(
        { crm: this.crm, leadId: lead.id, ms: this.now() - started, found: !!found },
        "CRM owner looked up",
      );
      return found;
    } catch (error) {
      logger.warn(
        { crm: this.crm, leadId: lead.id, error: errorMessage(error) },
        `${this.crm} could not say who owns the lead: routed by the playbook's rules`,
      );
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async repOf(
    db: Database,
    lead: { email: string; companyDomain: string | null },
  ): Promise<CrmOwnerMatch | undefined> {
    const owner = await this.cached(this.owners, lead.email.toLowerCase(), "owner", () =>
      this.options.lookup.ownerOf(lead),
    );
    if (!owner) return undefined;
    const slackUserId = await this.cached(this.users, owner.email.toLowerCase(), "user", () =>
      this.options.slackUserByEmail(owner.email),
    );
    if (!slackUserId) return undefined;
    const rep = await db.prisma.rep.findFirst({
      where: { slackUserId, deactivatedAt: null },
      select: { id: true },
    });
    return rep ? { repId: rep.id, crm: this.crm, of: owner.of } : undefined;
  }

  /** One call per key while it is fresh; a failed call is forgotten at once. */
  private cached<K extends "owner" | "user", T>(
    map: Map<string, { until: number } & Record<K, Promise<T>>>,
    key: string,
    field: K,
    load: () => Promise<T>,
  ): Promise<T> {
    const hit = map.get(key);
    if (hit && hit.until > this.now()) return hit[field];
    const value = load();
    map.set(key, { until: this.now() + (this.options.ttlMs ?? DEFAULT_TTL_MS), [field]: value } as {
      until: number;
    } & Record<K, Promise<T>>);
    value.catch(() => map.delete(key));
    if (map.size > 10_000) map.delete(map.keys().next().value!);
    return value;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

type OwnerMatching = { ownerMatching?: boolean; ownerMatchingWait?: number } | undefined;

/**
 * Owner matching across every CRM whose playbook block turns it on, each with its block's
 * time limit. With both HubSpot and Salesforce on, both are asked side by side (so the wait is
 * the longer limit, not the sum), and the first whose owner is a rep of this Baton wins,
 * HubSpot's before Salesforce's (the order of the playbook's crm block); a CRM with no owner, no rep for its owner, or no answer in time defers
 * to the next.
 */
export function ownerMatcherFor(
  crm: { ownerMatchers: Map<string, CrmOwnerMatcher> } | undefined,
  settings: Record<string, OwnerMatching>,
): Pick<CrmOwnerMatcher, "match"> | undefined {
  const asked = Object.entries(settings).flatMap(([key, block]) => {
    const matcher = block?.ownerMatching ? crm?.ownerMatchers.get(key) : undefined;
    return matcher ? [{ matcher, wait: block?.ownerMatchingWait }] : [];
  });
  if (asked.length === 0) return undefined;
  return {
    match: async (db, lead, timeoutMs) => {
      const found = await Promise.all(
        asked.map(({ matcher, wait }) => matcher.match(db, lead, timeoutMs ?? wait)),
      );
      return found.find((match) => match !== undefined);
    },
  };
}

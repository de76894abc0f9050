// What the core asks of a CRM, whichever it is (HubSpot, Salesforce): each CRM
// folder implements these, and the core (routing's owner step, the conversion poll) calls them
// only through this file, never a CRM's own module.

/**
 * Whose the lead is in the CRM: the owner of its contact, of its lead record (Salesforce), or
 * of its company (account).
 */
export interface CrmOwner {
  /** The CRM user's email: Baton finds the Slack user, and so the rep, by it. */
  email: string;
  of: "contact" | "lead" | "company";
}

export interface CrmOwnerLookup {
  /** The CRM as people read it: "HubSpot". */
  readonly crm: string;
  /**
   * The owner of the contact with this email, else of the company with this domain; undefined
   * when the CRM has neither or they have no owner. Throws when the CRM cannot answer.
   */
  ownerOf(lead: { email: string; companyDomain: string | null }): Promise<CrmOwner | undefined>;
  /** Loads what the first call needs (a large client library), so no time limit counts it. */
  warm?(): Promise<void>;
}

export interface ConversionPoll {
  /** Conversions found (and queued or marked) in this run. */
  found: number;
  /** Where the next run starts: the newest change this run saw (never later than `now`). */
  watermark: Date;
}

export interface CrmConversionPoller {
  readonly crm: string;
  /**
   * Finds the conversions the CRM recorded since `since` (a lifecycle stage reached, a deal or
   * opportunity created) and marks the leads converted through the same path as the CRM's
   * webhooks. Throws when the CRM cannot answer; the next run starts from the same `since`.
   */
  pollConversions(since: Date, now: Date): Promise<ConversionPoll>;
}

/** One CRM Baton is connected to, with what it can do. */
export interface CrmProvider {
  /** Stable key: "hubspot", "salesforce" (job leases, logs, metrics). */
  readonly key: string;
  readonly crm: string;
  readonly ownerLookup?: CrmOwnerLookup;
  readonly conversions?: CrmConversionPoller;
  /** When to poll it for conversions (node-cron: HUBSPOT_POLL_CRON, SALESFORCE_POLL_CRON). */
  readonly pollCron?: string;
}

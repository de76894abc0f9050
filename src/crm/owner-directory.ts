// Slack users ↔ CRM users, matched by email: the rep's Slack email (users.info) looked up in the
// CRM (HubSpot's owners API, Salesforce's User object), remembered for an hour (a miss too), so
// a burst of claims makes one lookup per rep rather than one per lead. One directory per CRM.

const TTL_MS = 60 * 60_000;

export type OwnerMatch = { ownerId: string } | { missing: "no_email" | "no_owner" };

export class OwnerDirectory {
  private readonly known = new Map<string, { match: OwnerMatch; until: number }>();

  constructor(
    /** The CRM user with this email, if any. */
    private readonly findByEmail: (email: string) => Promise<{ id: string } | undefined>,
    /** The Slack user's email, or undefined when Slack has none for them. */
    private readonly emailOf: (slackUserId: string) => Promise<string | undefined>,
    private readonly now: () => Date,
  ) {}

  async ownerOf(slackUserId: string): Promise<OwnerMatch> {
    const cached = this.known.get(slackUserId);
    if (cached && cached.until > this.now().getTime()) return cached.match;
    const match = await this.lookUp(slackUserId);
    this.known.set(slackUserId, { match, until: this.now().getTime() + TTL_MS });
    return match;
  }

  private async lookUp(slackUserId: string): Promise<OwnerMatch> {
    const email = await this.emailOf(slackUserId);
    if (!email) return { missing: "no_email" };
    const owner = await this.findByEmail(email);
    return owner ? { ownerId: owner.id } : { missing: "no_owner" };
  }
}

// Fault injection for the fake servers: rules picked by method, channel, count or a seeded
// probability, and Slack-like token buckets. Pure bookkeeping; the servers act on the verdicts.

/** What an injected fault does to a call. */
export type FaultKind =
  /** HTTP 429 with `Retry-After` and `{ok:false,error:"ratelimited"}`. */
  | "ratelimited"
  /** An HTTP error status (5xx by default) with a JSON error body. */
  | "http_error"
  /** Waits `delayMs`, then answers normally. */
  | "slow"
  /** Resets the TCP connection without an answer. */
  | "reset"
  /** HTTP 200 with `{ok:false,error}`, the way Slack reports platform errors. */
  | "slack_error";

/** Which calls a fault hits and how. Selectors left out match every call. */
export interface FaultSpec {
  kind: FaultKind;
  /** API method(s), e.g. "chat.postMessage"; "response_url" and "file_upload" for those URLs. */
  method?: string | readonly string[];
  /** Only calls whose `channel` (or `channel_id`) is this. */
  channel?: string;
  /** How many calls it hits before it expires: 1 by default, unlimited with a probability. */
  times?: number;
  /** Hits a matching call with this probability, drawn from a seeded generator. */
  probability?: number;
  /** Seed for `probability` (default: the server's seed). Same seed, same calls: same hits. */
  seed?: number;
  /** Seconds, for "ratelimited" (default 1). */
  retryAfter?: number;
  /** HTTP status, for "http_error" (default 500). */
  status?: number;
  /** Slack error code in the body (default "ratelimited", "internal_error", "fatal_error"). */
  error?: string;
  /** Waits this long before acting ("slow": default 1000). */
  delayMs?: number;
}

/** A live fault rule. */
export interface Fault {
  readonly spec: FaultSpec;
  /** Calls it has hit so far. */
  readonly hits: number;
  /** Hits left before it expires. */
  readonly remaining: number;
  /** Stops it now. */
  cancel(): void;
}

/** A small seeded generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rule extends Fault {
  random?: () => number;
  hits: number;
  remaining: number;
}

/** The active fault rules of one server, tried in the order they were added. */
export class FaultRules {
  #rules: Rule[] = [];

  constructor(private readonly defaultSeed: number) {}

  /** Adds a rule and returns a handle to watch or cancel it. */
  add(spec: FaultSpec): Fault {
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
      throw new RangeError(`fault probability must be between 0 and 1, got ${spec.probability}`);
    }
    const rules = this.#rules;
    const rule: Rule = {
      spec,
      hits: 0,
      remaining: spec.times ?? (spec.probability === undefined ? 1 : Number.POSITIVE_INFINITY),
      random:
        spec.probability === undefined ? undefined : seededRandom(spec.seed ?? this.defaultSeed),
      cancel() {
        rule.remaining = 0;
        const index = rules.indexOf(rule);
        if (index >= 0) rules.splice(index, 1);
      },
    };
    rules.push(rule);
    return rule;
  }

  /** The fault that hits this call, if any (and counts the hit). */
  pick(method: string, channel: string | undefined): FaultSpec | undefined {
    for (const rule of this.#rules) {
      const { spec } = rule;
      if (!matchesMethod(spec.method, method)) continue;
      if (spec.channel !== undefined && spec.channel !== channel) continue;
      if (rule.random && rule.random() >= (spec.probability ?? 0)) continue;
      rule.hits += 1;
      rule.remaining -= 1;
      if (rule.remaining <= 0) rule.cancel();
      return spec;
    }
    return undefined;
  }

  clear(): void {
    for (const rule of [...this.#rules]) rule.cancel();
  }
}

function matchesMethod(selector: FaultSpec["method"], method: string): boolean {
  if (selector === undefined || selector === "*") return true;
  return typeof selector === "string" ? selector === method : selector.includes(method);
}

/** A rate limit like Slack's: `perSecond` on average, bursts up to `burst`. */
export interface RateLimitSpec {
  /** Methods it applies to (default "chat.postMessage"). */
  method?: string | readonly string[];
  /** Tokens added per second (Slack's chat.postMessage: about 1 per channel). */
  perSecond: number;
  /** Bucket size: how many calls may arrive at once. */
  burst: number;
  /** One bucket per channel (default, like chat.postMessage) or one per method (tiers). */
  scope?: "channel" | "method";
}

/** Token buckets keyed by channel or method; `take` says whether a call may pass. */
export class TokenBuckets {
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly spec: RateLimitSpec,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(spec.perSecond > 0) || !(spec.burst >= 1)) {
      throw new RangeError("a rate limit needs perSecond > 0 and burst >= 1");
    }
  }

  applies(method: string): boolean {
    return matchesMethod(this.spec.method ?? "chat.postMessage", method);
  }

  /** Takes a token; when none is left, says how many whole seconds until one is. */
  take(
    method: string,
    channel: string | undefined,
  ): { ok: true } | { ok: false; retryAfter: number } {
    const key = this.spec.scope === "method" ? method : `${method} ${channel ?? ""}`;
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.spec.burst, at: now };
    bucket.tokens = Math.min(
      this.spec.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.spec.perSecond,
    );
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return {
      ok: false,
      retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / this.spec.perSecond)),
    };
  }
}

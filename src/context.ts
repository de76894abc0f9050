// What every use case and listener is handed: no globals, so tests can build their own.
import type { Clock } from "#src/clock.ts";
import type { Config } from "#src/config.ts";
import type { CrmProvider } from "#src/crm/crm-provider.ts";
import type { Database } from "#src/db/database.ts";
import type { AckGate } from "#src/lib/ack-gate.ts";
import type { Logger } from "#src/logger.ts";
import type { Metrics } from "#src/metrics.ts";
import type { PlaybookStore } from "#src/playbook/playbook-store.ts";
import type { CrmOwnerMatcher } from "#src/services/crm-owner-match.ts";

export interface Deps {
  config: Config;
  logger: Logger;
  db: Database;
  clock: Clock;
  metrics: Metrics;
  playbook: PlaybookStore;
  /** Tells this process's outbox worker that work was just committed (no poll delay). */
  wakeOutbox?: () => void;
  /** Holds work done after an ack until a burst of Slack requests has been acknowledged. */
  ackGate?: AckGate;
  /** The CRMs Baton is connected to, and their owner matchers (by provider key). */
  crm?: { providers: CrmProvider[]; ownerMatchers: Map<string, CrmOwnerMatcher> };
}

// Group commit for intake: requests that arrive while earlier ones are being written are
// captured together with set-based statements (captureEach: new leads in one statement, known
// ones in one transaction, each request all-or-nothing on its own), so throughput grows with
// load instead of being capped by per-query overhead. Under light load a request is written
// at once, alone: batching adds no wait.
import type { Database } from "#src/db/database.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import { captureEach } from "#src/services/capture-each.ts";
import type { CaptureContext, CaptureLeadResult } from "#src/services/capture-lead.ts";
import type { Actor } from "#src/services/lead-journal.ts";

interface Pending {
  input: LeadRequest;
  actor: Actor;
  resolve: (result: CaptureLeadResult) => void;
  reject: (error: unknown) => void;
}

export interface CaptureBatcherOptions {
  db: Database;
  /** The scoring model and account matching in force when a batch is written. */
  context: () => Omit<CaptureContext, "actor" | "now">;
  now: () => Date;
  maxBatch?: number;
  /** Batches written at once; PGlite has one connection, so 1 there. */
  maxConcurrent?: number;
}

export class CaptureBatcher {
  private queue: Pending[] = [];
  private running = 0;
  private readonly maxBatch: number;
  private readonly maxConcurrent: number;

  constructor(private readonly options: CaptureBatcherOptions) {
    this.maxBatch = options.maxBatch ?? 100;
    this.maxConcurrent = options.maxConcurrent ?? (options.db.kind === "pglite" ? 1 : 4);
  }

  capture(input: LeadRequest, actor: Actor): Promise<CaptureLeadResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, actor, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      // One batch, one actor: the audit trail names who sent each lead.
      const actor = this.queue[0]!.actor;
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      for (const item of this.queue) {
        if (batch.length < this.maxBatch && sameActor(item.actor, actor)) batch.push(item);
        else rest.push(item);
      }
      this.queue = rest;
      this.running += 1;
      void this.write(batch, actor).finally(() => {
        this.running -= 1;
        this.dispatch();
      });
    }
  }

  private async write(batch: Pending[], actor: Actor): Promise<void> {
    const context = { ...this.options.context(), actor, now: this.options.now() };
    try {
      const outcomes = await captureEach(
        this.options.db,
        batch.map((item) => item.input),
        context,
      );
      for (const [i, item] of batch.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}

function sameActor(a: Actor, b: Actor): boolean {
  return a.type === b.type && a.id === b.id;
}

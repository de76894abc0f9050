/** Background work (outbox delivery, scheduled jobs): started after the app, stopped before the database closes. */
export interface Worker {
  name: string;
  start(): void;
  /** Resolves when in-flight work is finished. */
  stop(): Promise<void>;
}

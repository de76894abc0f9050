/**
 * Runs tasks that share a key one after another, in this process; tasks with other keys run
 * side by side. Twenty reps clicking Claim on one lead otherwise hold twenty pooled database
 * connections waiting on that lead's row lock, and the clicks on every other lead wait for a
 * connection (bench:claim-race under load: "timeout exceeded when trying to connect"). Queued
 * here they hold none; across replicas the database still settles the race.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}

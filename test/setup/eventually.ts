// Waits for something the running app does after an answer (an outbox delivery, a job): reads
// until the value is there, waking the outbox between reads so no poll interval is waited out.

/** The first value `read` gives that is not undefined, null or false; throws after `ms`. */
export async function eventually<T>(
  read: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  options: { wake?: () => void; ms?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.ms ?? 30_000);
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    options.wake?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

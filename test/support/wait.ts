// Polling until something a test expects has happened (a call arrived, a row changed).

/** How long to wait: a number is a timeout in ms. */
export type WaitOptions = number | { timeout?: number };

/** Polls `probe` every 10 ms until it returns a value (not undefined, null or false). */
export async function waitUntil<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitOptions = {},
  describe: () => string = () => "the condition was not met",
): Promise<T> {
  const timeout = typeof options === "number" ? options : (options.timeout ?? 5000);
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`waited ${timeout} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

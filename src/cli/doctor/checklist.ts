// What `baton doctor` reports: one line per check (✓ passed, ✗ failed, – skipped), each failure
// followed by the fix. Checks never print secrets or personal data: they name variables,
// client names, Slack ids and playbook paths, never tokens, keys or emails.

export type CheckStatus = "pass" | "fail" | "skip";

export interface Check {
  status: CheckStatus;
  /** One line: what was checked and what was found. */
  title: string;
  /** For a failure: what to do about it, naming the variable or the playbook path. */
  fix?: string;
}

export const pass = (title: string): Check => ({ status: "pass", title });
export const fail = (title: string, fix: string): Check => ({ status: "fail", title, fix });
export const skip = (title: string): Check => ({ status: "skip", title });

const MARK: Record<CheckStatus, string> = { pass: "✓", fail: "✗", skip: "–" };

export function formatCheck(check: Check): string {
  const line = `${MARK[check.status]} ${check.title}\n`;
  return check.fix ? `${line}    fix: ${check.fix}\n` : line;
}

export function formatSummary(checks: Check[]): string {
  const failed = checks.filter((check) => check.status === "fail").length;
  const skipped = checks.filter((check) => check.status === "skip").length;
  const skippedNote = skipped > 0 ? ` (${skipped} skipped)` : "";
  return failed === 0
    ? `\nAll ${checks.length - skipped} checks passed${skippedNote}.\n`
    : `\n${failed} of ${checks.length - skipped} checks failed${skippedNote}. Fix them and run \`baton doctor\` again.\n`;
}

/** Runs `fn` over `items` with at most `limit` at a time; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Rejects with a clear message when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

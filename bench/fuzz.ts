// Bad input at scale (#7): runs test/fuzz with FUZZ_RUNS cases per property (10,000 by default)
// and exits non-zero when any generated request got a 5xx, crashed Baton or wrote a row.
//   npm run bench:fuzz            (FUZZ_RUNS=20000 npm run bench:fuzz for more)
import { spawnSync } from "node:child_process";

const runs = Number(process.env.FUZZ_RUNS ?? 10_000);
if (!Number.isInteger(runs) || runs < 10_000) {
  console.error(
    "FUZZ_RUNS must be an integer of at least 10000 (the goal in docs/reliability.md).",
  );
  process.exit(2);
}
const started = Date.now();
const result = spawnSync("npx", ["vitest", "run", "test/fuzz"], {
  stdio: "inherit",
  env: {
    ...process.env,
    FUZZ_RUNS: String(runs),
    FUZZ_SLACK: "1",
    FUZZ_CONCURRENCY: process.env.FUZZ_CONCURRENCY ?? "100",
  },
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const ok = result.status === 0;
console.log(
  `fuzz: ${runs} malformed intake requests + ${runs} malformed signed Slack payloads in ${seconds} s: ${ok ? "0 5xx, 0 crashes, 0 rows written (goal met)" : "GOAL MISSED (see the failures above)"}`,
);
process.exit(ok ? 0 : 1);

// The reliability proofs in a reduced, fast form (#13), run by CI on every landing against
// PostgreSQL: each script with the same assertions as its full run and fewer leads, writing
// nothing to the docs (BENCH_RECORD=0). A change that breaks a guarantee fails here. The
// malformed-input fuzzing runs in the test suite itself (test/fuzz), 30 cases per property.
//   npm run bench:proofs            (needs PostgreSQL on 127.0.0.1:5432 or BENCH_DATABASE_URL)
//   npm run bench:proofs -- crash   (only the named ones)
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const PROOFS: { name: string; script: string; args: string[] }[] = [
  {
    name: "crash",
    script: "bench/crash.ts",
    args: ["--requests", "200", "--kill-after", "80", "--shards", "10"],
  },
  { name: "claim-race", script: "bench/claim-race.ts", args: ["--leads", "30"] },
  {
    name: "slack-faults",
    script: "bench/slack-faults.ts",
    args: ["--leads", "60", "--shards", "20"],
  },
  { name: "db-restart", script: "bench/db-restart.ts", args: ["--after-s", "5"] },
  { name: "burst", script: "bench/burst.ts", args: ["--leads", "120"] },
  { name: "soak", script: "bench/soak.ts", args: ["--minutes", "1"] },
];

const only = process.argv.slice(2);
const chosen = PROOFS.filter((p) => only.length === 0 || only.includes(p.name));
if (chosen.length === 0) {
  console.error(
    `No such proof: ${only.join(", ")}. Known: ${PROOFS.map((p) => p.name).join(", ")}`,
  );
  process.exit(2);
}

const results: { name: string; ok: boolean; seconds: number }[] = [];
for (const proof of chosen) {
  const started = Date.now();
  console.log(`\n== proof: ${proof.name} (${proof.args.join(" ")})`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", proof.script, ...proof.args], {
      cwd: ROOT,
      env: { ...process.env, BENCH_RECORD: "0" },
      stdio: "inherit",
    });
    child.once("exit", (exitCode) => resolve(exitCode));
  });
  results.push({ name: proof.name, ok: code === 0, seconds: (Date.now() - started) / 1000 });
}

console.log("\n== proofs");
for (const r of results) {
  console.log(`${r.ok ? "held  " : "FAILED"} ${r.name} (${r.seconds.toFixed(0)} s)`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);

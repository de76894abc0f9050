// Prisma's defaults fail a transaction that waits 2 s for a connection or runs 5 s. Under a
// burst (fifty reps clicking, a trade-show import, a busy two-core machine) that turned a
// claim into "Sorry, Baton could not do that" although nothing was wrong; a click is acked
// before its transaction starts, so waiting longer costs the user nothing they see.
export const transactionOptions = { maxWait: 10_000, timeout: 20_000 };

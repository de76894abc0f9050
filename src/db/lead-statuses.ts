// The rulebook's statuses (src/domain/lifecycle.ts) are the database's enum: a status added on
// one side and not the other fails the type-check here.
import type { LeadStatus as StoredStatus } from "#src/db/generated/enums.ts";
import type { LeadStatus } from "#src/domain/lifecycle.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const STATUSES_MATCH: Same<LeadStatus, StoredStatus> = true;

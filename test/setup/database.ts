// `const db = useTestDatabase()` in a test file: a fresh migrated database for that file.
import { afterAll, beforeAll, inject } from "vitest";
import type { Database } from "#src/db/database.ts";
import { createTestDatabase } from "#test/setup/test-database.ts";

export function useTestDatabase(): { readonly current: Database } {
  const holder: { current?: Database } = {};
  beforeAll(async () => {
    holder.current = await createTestDatabase(inject("dbTemplate"));
  });
  afterAll(async () => {
    await holder.current?.close();
  });
  return {
    get current() {
      if (!holder.current) throw new Error("the test database is opened in beforeAll");
      return holder.current;
    },
  };
}

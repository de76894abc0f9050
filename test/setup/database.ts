// `const db = useTestDatabase()` in a test file: a fresh migrated database for that file.
import { afterAll, beforeAll, inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "#test/setup/test-database.ts";

export function useTestDatabase(): { readonly current: TestDatabase } {
  const holder: { current?: TestDatabase } = {};
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

// Configuration for the Prisma CLI (generate, and migrate deploy for users who have Prisma's
// native engine). Baton itself migrates with src/db/migrator.ts and never reads this file.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // Only `prisma migrate deploy|status` use the URL; generation works without it.
  datasource: { url: process.env.DATABASE_URL ?? "" },
});

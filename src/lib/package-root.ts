// Where Baton is installed: the folder of its package.json. Files that ship beside the code
// (prisma/migrations, prisma/schema.prisma) are found from here, so the same lookup works from
// the TypeScript sources (src/...) and from the compiled bundle (dist/..., dist/chunks/...).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

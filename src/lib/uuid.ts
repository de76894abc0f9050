import { randomUUID } from "node:crypto";

/**
 * A UUID version 7 (time-ordered, RFC 9562), as Prisma's uuid(7) makes, for set-based inserts.
 * The random bits come from randomUUID, which draws entropy in bulk: several times cheaper
 * than randomBytes(16) per id, and intake makes four ids per lead.
 */
export function uuidv7(now = Date.now()): string {
  // A version 4 UUID: xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V holding the RFC variant.
  const random = randomUUID();
  const ms = now.toString(16).padStart(12, "0");
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}

// What `baton doctor` calls a weak intake token: hand-made and patterned ones, never a
// generated one.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { tokenWeakness } from "#src/cli/doctor/secret-checks.ts";

describe("tokenWeakness", () => {
  it.each([
    ["aaaaaaaaaaaaaaaaaaaaaaaa", "it repeats itself"],
    ["abababababababababababab", "it repeats itself"],
    ["Summer2026!xSummer2026!y", "it repeats itself"],
    ["000000000000000000000001x", "it repeats itself"],
    ["abcdefghij-9f2c61d0b7e84a", "it contains a run like abcdefgh or 12345678"],
    ["9f2c61d0b7e8-87654321-4a5c", "it contains a run like abcdefgh or 12345678"],
    ["my-Secret-for-the-intake-api", 'it contains the word "secret"'],
    ["hubspot-integration-key-2026", "it contains the client's name"],
    [
      "xzyyxzxyzzyxxzyzxyyzxzzy",
      "it uses too few different characters (about 38 bits of randomness)",
    ],
  ])("%s is weak: %s", (token, reason) => {
    expect(tokenWeakness(token, "hubspot")).toBe(reason);
  });

  it("passes generated tokens: openssl rand -hex 24 or 12, 18 random bytes in base64url", () => {
    for (let i = 0; i < 3000; i++) {
      for (const token of [
        randomBytes(24).toString("hex"),
        randomBytes(12).toString("hex"),
        randomBytes(18).toString("base64url"),
      ]) {
        expect(tokenWeakness(token, "hubspot"), token).toBeUndefined();
      }
    }
  });
});

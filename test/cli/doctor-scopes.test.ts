// The scope check of `baton doctor` when one side is missing: the manifest (a slim install)
// or Slack's x-oauth-scopes header (a proxy that drops it).
import { describe, expect, it } from "vitest";
import { checkScopes, manifestBotScopes } from "#src/cli/doctor/slack-token-checks.ts";

describe("bot scopes against slack-manifest.yml", () => {
  it("reads the bot scopes the manifest asks for", () => {
    expect(manifestBotScopes()).toEqual(
      expect.arrayContaining(["chat:write", "chat:write.public", "users:read", "groups:read"]),
    );
  });

  it("skips, saying why, when the manifest or the header is missing", () => {
    expect(manifestBotScopes("/nonexistent/slack-manifest.yml")).toBeUndefined();
    expect(checkScopes(["chat:write"], undefined)).toMatchObject({
      status: "skip",
      title: expect.stringMatching(/slack-manifest\.yml is not there to compare with\)$/),
    });
    expect(checkScopes(undefined, ["chat:write"])).toEqual({
      status: "skip",
      title: "Bot token scopes: skipped (Slack's answer did not list them: x-oauth-scopes missing)",
    });
  });

  it("names one missing scope, and passes when all are granted", () => {
    expect(checkScopes(["commands"], ["commands", "im:write"])).toMatchObject({
      status: "fail",
      title: "Bot token is missing scope im:write",
    });
    expect(checkScopes(["commands", "im:write", "extra"], ["commands", "im:write"])).toEqual({
      status: "pass",
      title: "Bot token has the 2 scopes slack-manifest.yml asks for",
    });
  });
});

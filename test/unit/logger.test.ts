import { describe, expect, it } from "vitest";
import { boltLogger, createLogger } from "#src/logger.ts";

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => lines.push(line) },
  });
  return { logger, output: () => lines.join("") };
}

describe("logger", () => {
  it("redacts secret and personal fields by name", () => {
    const { logger, output } = capture();
    logger.info(
      {
        token: "xoxb-1-secret",
        lead: { email: "ana@acme.io", phone: "+1 415 555 0134" },
        signingSecret: "abc123",
      },
      "lead captured",
    );
    const out = output();
    expect(out).toContain("lead captured");
    // Asserting on the values themselves: a timestamp may well contain "555".
    for (const secret of ["xoxb-1-secret", "ana@acme.io", "+1 415 555 0134", "abc123"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("[redacted]");
  });

  it("scrubs tokens, emails, phones and URL passwords from free text and errors", () => {
    const { logger, output } = capture();
    logger.warn("rep ana.lopez@acme.io called (415) 555-0134 with xoxb-123-456-abc");
    logger.error(
      {
        err: new Error(
          "connect to postgres://baton:hunter2@db:5432/baton failed for +44 20 7946 0958",
        ),
      },
      "boom",
    );
    const out = output();
    expect(out).not.toMatch(/ana\.lopez|555-0134|xoxb-123|hunter2|20 7946 0958/);
    expect(out).toContain("[email]");
    expect(out).toContain("[phone]");
  });

  it("keeps Slack timestamps and ids readable", () => {
    const { logger, output } = capture();
    logger.info("posted 1732270000.000100 to C0123456789 for lead 12345678901");
    expect(output()).toContain("1732270000.000100 to C0123456789 for lead 12345678901");
  });

  it("lets Bolt log through pino with its errors", () => {
    const { logger, output } = capture();
    const bolt = boltLogger(logger);
    bolt.error("An incoming event was not acknowledged", new Error("xapp-1-secret leaked"));
    bolt.debug({ a: 1 }, "detail");
    const out = output();
    expect(out).toContain('"component":"bolt"');
    expect(out).toContain("An incoming event was not acknowledged");
    expect(out).not.toContain("xapp-1-secret");
    expect(out).toContain('{\\"a\\":1} detail');
  });
});

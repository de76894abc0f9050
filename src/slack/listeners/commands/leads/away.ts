// `/leads away [until YYYY-MM-DD | off]`: a rep marks themselves away (round robin skips them,
// their open offers move on at once) or back.
import { AppError } from "#src/errors.ts";
import { revisitHeldLeads } from "#src/services/fallback.ts";
import { setAway } from "#src/services/people.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { safeText, slackWords } from "#src/slack/text.ts";

const USAGE =
  "Try `/leads away` (until you say you are back), `/leads away until 2026-12-01`, or `/leads away off`.";

export const awaySubcommand: Subcommand = {
  name: "away",
  usage: "away [until YYYY-MM-DD | off]",
  description: "mark yourself away (no new leads, your offers move on) or back",
  examples: ["/leads away", "/leads away until 2026-12-01", "/leads away off"],
  async handle({ command, args, reply, deps }) {
    const now = deps.clock.now();
    let until: Date | null | undefined;
    const [first, second, ...rest] = args.map((a) => a.toLowerCase());
    if (first === undefined) until = undefined;
    else if ((first === "off" || first === "back") && second === undefined) until = null;
    else if (first === "until" && second && rest.length === 0) {
      const date = /^\d{4}-\d{2}-\d{2}$/.test(second) ? new Date(`${second}T00:00:00Z`) : undefined;
      if (!date || Number.isNaN(date.getTime())) {
        throw new AppError("bad_request", `\`${safeText(second, 40)}\` is not a date. ${USAGE}`);
      }
      until = date;
    } else {
      throw new AppError(
        "bad_request",
        `I did not understand \`${safeText(args.join(" "), 80)}\`. ${USAGE}`,
      );
    }
    const result = await setAway({
      db: deps.db,
      playbook: deps.playbook.current,
      webhooks: deps.config.webhooks,
      words: slackWords,
      now,
      userId: command.user_id,
      until,
    });
    if (until === null) {
      // Leads held because nobody could take them are offered now, oldest first.
      if (await revisitHeldLeads(deps, now)) deps.wakeOutbox?.();
      await reply({
        text: ":wave: Welcome back: new leads come to you again, at your fair share (no flood of catch-up leads).",
      });
      return;
    }
    const when = until
      ? `until ${until.toISOString().slice(0, 10)}`
      : "until you run `/leads away off`";
    const moved = result.movedOffers.length
      ? ` ${result.movedOffers.map((n) => `L-${n}`).join(", ")} went on to the next rep.`
      : "";
    const owned = result.ownedOpen
      ? ` You still own ${result.ownedOpen} open lead${result.ownedOpen === 1 ? "" : "s"}: release the ones that cannot wait, or your manager will be alerted when their SLAs come due.`
      : "";
    await reply({
      text: `:palm_tree: You are away ${when}: no new leads come to you.${moved}${owned}`,
    });
  },
};

// `/leads find <email | L-1042 | company>`: one lead shows its card with its timeline; a
// company that matches several lists them. Only the caller sees it.
import type { KnownBlock } from "@slack/types";
import { AppError } from "#src/errors.ts";
import { leadName } from "#src/read-models/lead-label.ts";
import { currentCard } from "#src/slack/current-card.ts";
import { COMMAND } from "#src/slack/ids.ts";
import type { Subcommand } from "#src/slack/listeners/commands/leads/subcommand.ts";
import { safeText } from "#src/slack/text.ts";

const USAGE = `Try \`${COMMAND} find ana@acme.example\`, \`${COMMAND} find L-1042\` or \`${COMMAND} find acme\`.`;
const LIST_MAX = 10;

export const findSubcommand: Subcommand = {
  name: "find",
  usage: "find <email | L-1042 | company>",
  description: "one lead with its timeline, or the leads of a company",
  examples: ["/leads find ana@acme.example", "/leads find L-1042", "/leads find acme"],
  async handle({ args, reply, deps }) {
    // Slack sends an email typed in a command as <mailto:a@b.c|a@b.c>.
    const query = args
      .join(" ")
      .replace(/^<mailto:([^|>]+)(?:\|[^>]*)?>$/, "$1")
      .trim();
    if (!query) throw new AppError("bad_request", `Say what to look for. ${USAGE}`);
    const number = /^L-?(\d{1,9})$/i.exec(query)?.[1];
    const { prisma } = deps.db;
    const exact = number
      ? await prisma.lead.findUnique({ where: { number: Number(number) }, select: { id: true } })
      : query.includes("@")
        ? await prisma.lead.findUnique({
            where: { email: query.toLowerCase() },
            select: { id: true },
          })
        : null;
    if (exact) {
      const card = await currentCard(deps, exact.id);
      await reply(card);
      return;
    }
    if (number || query.includes("@")) {
      throw new AppError("not_found", `No lead is \`${safeText(query, 80)}\`. ${USAGE}`);
    }
    const matches = await prisma.lead.findMany({
      where: {
        OR: [
          { company: { contains: query, mode: "insensitive" } },
          { companyDomain: { contains: query.toLowerCase() } },
        ],
      },
      orderBy: { updatedAt: "desc" },
      take: LIST_MAX + 1,
      include: { owner: { select: { slackUserId: true } } },
    });
    if (matches.length === 0) {
      throw new AppError(
        "not_found",
        `No lead's company matches \`${safeText(query, 80)}\`. ${USAGE}`,
      );
    }
    if (matches.length === 1) {
      await reply(await currentCard(deps, matches[0]!.id));
      return;
    }
    const lines = matches.slice(0, LIST_MAX).map((l) => {
      const name = leadName({
        name: [l.firstName, l.lastName].filter(Boolean).join(" ") || null,
        email: l.email,
      });
      const owner = l.owner ? ` · <@${l.owner.slackUserId}>` : "";
      return `• L-${l.number} *${safeText(name, 80)}* · ${safeText(l.company ?? l.companyDomain ?? "", 80)} · ${l.status.toLowerCase()}${owner}`;
    });
    const more =
      matches.length > LIST_MAX ? `\nMore match: narrow it down, or use an L-number.` : "";
    const text = `Leads matching \`${safeText(query, 80)}\`:\n${lines.join("\n")}${more}\nUse \`${COMMAND} find L-<number>\` for one lead's card.`;
    const blocks: KnownBlock[] = [
      { type: "section", text: { type: "mrkdwn", text: text.slice(0, 3000) } },
    ];
    await reply({ text: text.slice(0, 3000), blocks });
  },
};

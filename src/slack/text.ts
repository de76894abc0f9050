// Every user-supplied string that reaches Slack goes through here: escaped so that
// `<!channel>` or `<http://evil|click>` pings and links nothing, and cut to Slack's limits.
import type { Words } from "#src/domain/lifecycle.ts";

/** Escapes Slack's control characters in mrkdwn and plain text. */
export function escapeText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cuts text to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Escapes, then cuts; the limit applies to the escaped text, as Slack counts it. */
export function safeText(text: string | null | undefined, max = 3000): string {
  if (!text) return "";
  const escaped = escapeText(text);
  if (escaped.length <= max) return escaped;
  // Do not cut an entity in half.
  const cut = truncate(escaped, max);
  return cut.replace(/&[a-z]{0,3}…$/, "…");
}

/** Slack's limits for the blocks we build. */
export const LIMITS = {
  sectionText: 3000,
  field: 2000,
  header: 150,
  contextElement: 2000,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  blocksPerMessage: 50,
  blocksPerView: 100,
  messageText: 40000,
} as const;

// Slack has no escape for mrkdwn's formatting characters, so user text placed in mrkdwn gets
// look-alikes instead: `*bold*` shows as `∗bold∗` and formats nothing. Zero-width characters are
// no reliable help: Slack reads U+200B as a word boundary (converters insert it to make mid-word
// formatting work), and how it reads U+200D is undocumented.
// Where a string needs to stay exact (source keys, emails), put it in a plain_text object.
const LOOK_ALIKES: Record<string, string> = {
  "*": "\u2217", // ∗ asterisk operator
  "\uff0a": "\ufe61", // fullwidth asterisk → small asterisk
  _: "\u02cd", // ˍ modifier letter low macron
  "\uff3f": "\u2e0f", // fullwidth low line → paragraphos
  "~": "\u223c", // ∼ tilde operator
  "`": "\u02cb", // ˋ modifier letter grave accent
  "\uff40": "\u02cb", // fullwidth grave accent
};

/** Replaces mrkdwn's formatting characters with look-alikes, and a quote marker opening a line. */
export function neutralizeMrkdwn(text: string): string {
  return text
    .replace(/[*\uff0a_\uff3f~`\uff40]/g, (c) => LOOK_ALIKES[c] ?? c)
    .replace(/^(\s*)[>\uff1e]/gm, "$1\u203a");
}

/** User text for a mrkdwn object: formatting neutralized, escaped, cut (see `safeText`). */
export function safeMrkdwn(text: string | null | undefined, max = 3000): string {
  return safeText(text ? neutralizeMrkdwn(text) : text, max);
}

/** The URL if it is an absolute http(s) URL, normalized; otherwise undefined. */
export function httpUrl(raw: string | null | undefined): string | undefined {
  if (!raw || !URL.canParse(raw.trim())) return undefined;
  const url = new URL(raw.trim());
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  // `|` ends the URL part of a <url|label> link; the parser leaves it unencoded.
  const href = url.href.replace(/\|/g, "%7C");
  return href.length <= 2000 ? href : undefined;
}

/** How refusals name people and times in Slack: mentions, and times in the reader's zone. */
export const slackWords: Words = {
  person: (id) => `<@${id}>`,
  time: (at) => `<!date^${Math.floor(at.getTime() / 1000)}^{time}|${at.toISOString()}>`,
  quote: (text) => `\`${safeText(text, 80)}\``,
};

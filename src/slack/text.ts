// Every user-supplied string that reaches Slack goes through here: escaped so that
// `<!channel>` or `<http://evil|click>` pings and links nothing, and cut to Slack's limits.

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

// What a Slack message says about a person, to prefill the "Send to sales" form: the first email
// address, a name written next to it ("Ana Ruiz <ana@acme.io>", "Name: Ana Ruiz"), and a
// company ("Company: Acme", "from Acme", "at Acme", else the email's domain unless it is a
// mailbox provider's). Only a guess for a person to check: every field stays editable.

export interface MessageLead {
  email?: string;
  name?: string;
  company?: string;
}

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}/;
const FREE_MAIL =
  /^(gmail|googlemail|yahoo|hotmail|outlook|live|icloud|me|aol|proton|protonmail|gmx|web|yandex|mail|qq|163)\./i;
const LABEL = (label: string) =>
  new RegExp(String.raw`(?:^|\n)\s*[*_]*${label}[*_]*\s*[:\-–]\s*([^\n]{1,120})`, "i");
const NAME_WORD = String.raw`[A-ZÀ-Þ][\p{L}'’.-]{0,30}`;
const NAME_BEFORE = new RegExp(
  String.raw`(${NAME_WORD}(?:\s+${NAME_WORD}){1,3})\s*[<(\[]?\s*(?:<mailto:)?$`,
  "u",
);

export function leadFromMessage(text: string | undefined): MessageLead {
  if (!text) return {};
  // Slack writes links and addresses as <mailto:a@b.c|a@b.c> and <https://…|label>.
  const plain = text
    .replace(/<mailto:([^|>]+)(?:\|[^>]*)?>/g, "$1")
    .replace(/<([^|>]+)\|([^>]+)>/g, "$2");
  const email = EMAIL.exec(plain)?.[0];
  const labelled = (label: string) => clean(LABEL(label).exec(plain)?.[1]);
  let name = labelled("(?:name|contact|who)");
  if (!name && email) {
    const before = plain.slice(0, plain.indexOf(email)).split("\n").pop() ?? "";
    name = clean(NAME_BEFORE.exec(before.trimEnd())?.[1]);
  }
  const company =
    labelled("(?:company|organi[sz]ation|account)") ??
    clean(/\b(?:from|at|with)\s+([A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,3})/.exec(plain)?.[1]) ??
    domainCompany(email);
  return { email: email?.toLowerCase(), name, company };
}

function clean(value: string | undefined): string | undefined {
  const text = value
    ?.replace(/[*_~`]/g, "")
    .replace(/[\s,.;:]+$/, "")
    .trim();
  return text ? text.slice(0, 100) : undefined;
}

/** "ana@acme-retail.com" → "Acme Retail"; a mailbox provider's domain says nothing. */
function domainCompany(email: string | undefined): string | undefined {
  const domain = email?.split("@")[1];
  if (!domain || FREE_MAIL.test(domain)) return undefined;
  const label = domain.split(".").slice(-2, -1)[0] ?? "";
  return (
    label
      .split("-")
      .filter(Boolean)
      .map((word) => word[0]!.toUpperCase() + word.slice(1))
      .join(" ") || undefined
  );
}

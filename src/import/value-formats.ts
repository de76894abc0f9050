// Values as event, ad and CRM tools export them: company sizes in words and ranges, dates in
// US, European and ISO forms with AM/PM, country names in several languages, phone numbers with
// a type prefix, Yes/No consent. Each parser returns undefined (or the raw text) when it cannot
// read a value; the caller decides whether that costs the row or only a warning.

/** Cells that mean "nothing here" in exports: Zoom writes `--` for a registrant who never joined. */
const EMPTY = new Set(["--", "—", "n/a", "#n/a", "null"]);

export function isEmptyCell(value: string): boolean {
  const text = value.trim();
  return text === "" || EMPTY.has(text.toLowerCase());
}

const SIZE_WORDS =
  /\b(employees?|staff|people|persons|mitarbeiter(innen)?|salari[ée]s|empleados|dipendenti|werknemers)\b\.?/g;

/**
 * Company sizes as exports write them: "80", "1,200", "1.200", "51-200" and "201-500 employees"
 * (the lower bound: a range only promises that many), "1,001-5,000 employees", "10,001+
 * employees", "10k", LinkedIn's "Myself only" (1). Anything else: undefined.
 */
export function parseSize(value: string): number | undefined {
  const text = value.trim().toLowerCase().replace(SIZE_WORDS, "").replace(/\s+/g, "");
  if (/^(myselfonly|self-?employed|justme)$/.test(text)) return 1;
  const number = (part: string): number | undefined => {
    const k = /^(\d+(?:[.,]\d+)?)k$/.exec(part);
    if (k) return Math.round(Number(k[1]!.replace(",", ".")) * 1000);
    if (/^\d{1,3}([,.]\d{3})+$/.test(part)) return Number(part.replace(/[,.]/g, ""));
    if (/^\d+$/.test(part)) return Number(part);
    return undefined;
  };
  const range = /^(.+?)(?:-|–|to|bis|à)(.+)$/.exec(text);
  if (range) {
    const low = number(range[1]!);
    if (low !== undefined && number(range[2]!) !== undefined) return low;
  }
  const plus = /^(.+)\+$/.exec(text);
  return number(plus ? plus[1]! : text);
}

/** How a file writes slashed dates whose day and month are both 12 or less. */
export type DateOrder = "mdy" | "dmy";

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?`;
const ZONE = String.raw`\s*(z|utc|gmt|[+-]\d{2}:?\d{2})?`;
const ISO = new RegExp(String.raw`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[t ]${TIME})?${ZONE}$`, "i");
const NUMERIC = new RegExp(
  String.raw`^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:,?\s+${TIME})?${ZONE}$`,
  "i",
);
const MONTH_FIRST = new RegExp(
  String.raw`^(?:[a-z]{3,9}\.?,?\s+)?([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:,?\s+(?:at\s+)?${TIME})?${ZONE}$`,
  "i",
);
const DAY_FIRST = new RegExp(
  String.raw`^(\d{1,2})\.?\s+([a-z]{3,9})\.?,?\s+(\d{4})(?:,?\s+${TIME})?${ZONE}$`,
  "i",
);

interface DateParts {
  y: number;
  mo: number;
  d: number;
  time: (string | undefined)[];
  zone?: string;
}

/**
 * Dates with or without a time: ISO 8601 ("2026-11-18T14:30:00Z", Meta's "+0000"), US and
 * European numeric dates ("3/14/2026 2:30 PM", "14/03/2026 14:30", "18.11.2026 9:05"), and
 * month names ("Mar 22, 2025 19:13:27", "14 March 2026"). A slashed date whose day and month
 * are both 12 or less is read in `order`, and refused without one: it cannot be told apart.
 * Without a zone the time is read as UTC.
 */
export function parseDateTime(value: string, order?: DateOrder): Date | undefined {
  const parts = dateParts(value.trim(), order);
  if (!parts) return undefined;
  const [hText, miText, sText, ampm] = parts.time;
  let h = Number(hText ?? 0);
  const mi = Number(miText ?? 0);
  const s = Number(sText ?? 0);
  if (ampm) {
    if (h < 1 || h > 12) return undefined;
    const pm = ampm.toLowerCase().startsWith("p");
    h = (h % 12) + (pm ? 12 : 0);
  }
  const { y, mo, d } = parts;
  if (h > 23 || mi > 59 || s > 59 || mo < 1 || mo > 12) return undefined;
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  const zone = /^([+-])(\d{2}):?(\d{2})$/.exec(parts.zone ?? "");
  if (zone) {
    const offset = (Number(zone[2]) * 60 + Number(zone[3])) * 60_000;
    ms -= zone[1] === "+" ? offset : -offset;
  }
  return new Date(ms);
}

function dateParts(text: string, order: DateOrder | undefined): DateParts | undefined {
  let m = ISO.exec(text);
  if (m) return { y: +m[1]!, mo: +m[2]!, d: +m[3]!, time: m.slice(4, 8), zone: m[8] };
  m = NUMERIC.exec(text);
  if (m) {
    const [a, b] = [+m[1]!, +m[3]!];
    const y = m[4]!.length === 2 ? 2000 + +m[4]! : +m[4]!;
    // Dotted dates are day-first wherever they are written (18.11.2026).
    const dayFirst = m[2] === "." || a > 12 || (b <= 12 && order === "dmy");
    if (!dayFirst && b <= 12 && a <= 12 && order !== "mdy") return undefined;
    const [d, mo] = dayFirst ? [a, b] : [b, a];
    return { y, mo, d, time: m.slice(5, 9), zone: m[9] };
  }
  m = MONTH_FIRST.exec(text);
  if (m) return { y: +m[3]!, mo: monthOf(m[1]!), d: +m[2]!, time: m.slice(4, 8), zone: m[8] };
  m = DAY_FIRST.exec(text);
  if (m) return { y: +m[3]!, mo: monthOf(m[2]!), d: +m[1]!, time: m.slice(4, 8), zone: m[8] };
  return undefined;
}

/** "Mar", "March", "Sept" → 3, 3, 9; not a month → 0 (refused by the caller). */
function monthOf(name: string): number {
  const text = name.toLowerCase();
  if (text === "sept") return 9;
  const index = MONTHS.findIndex((month) => text.length >= 3 && month.startsWith(text));
  return index + 1;
}

const COUNTRY_EXTRAS: Record<string, string> = {
  usa: "US",
  us: "US",
  unitedstatesofamerica: "US",
  america: "US",
  uk: "GB",
  greatbritain: "GB",
  england: "GB",
  scotland: "GB",
  wales: "GB",
  northernireland: "GB",
  holland: "NL",
  uae: "AE",
  czechrepublic: "CZ",
  gbr: "GB",
  deu: "DE",
  fra: "FR",
  esp: "ES",
  ita: "IT",
  nld: "NL",
  can: "CA",
  aus: "AU",
  ind: "IN",
  bra: "BR",
  mex: "MX",
  jpn: "JP",
  chn: "CN",
  che: "CH",
  aut: "AT",
  bel: "BE",
  swe: "SE",
  irl: "IE",
  pol: "PL",
  prt: "PT",
};

/** Withdrawn or grouping codes ICU still names ("DD" is also called Germany in some languages). */
const NOT_COUNTRIES = new Set([
  "DD",
  "FX",
  "SU",
  "YU",
  "ZR",
  "TP",
  "BU",
  "CS",
  "NT",
  "AN",
  "EU",
  "EZ",
  "UN",
  "QO",
  "ZZ",
  "XA",
  "XB",
]);

let countryNames: Map<string, string> | undefined;

/** Every region's name in the languages exports come in, from ICU (Intl.DisplayNames). */
function countryTable(): Map<string, string> {
  if (countryNames) return countryNames;
  const table = new Map(Object.entries(COUNTRY_EXTRAS));
  const languages = ["en", "de", "fr", "es", "it", "nl", "pt"];
  const names = languages.map(
    (l) => new Intl.DisplayNames([l], { type: "region", fallback: "none" }),
  );
  const A = 65;
  for (let i = 0; i < 26 * 26; i++) {
    const code = String.fromCharCode(A + Math.floor(i / 26), A + (i % 26));
    if (NOT_COUNTRIES.has(code)) continue;
    for (const display of names) {
      const name = display.of(code);
      if (name && name !== code && !table.has(countryKey(name))) table.set(countryKey(name), code);
    }
  }
  countryNames = table;
  return table;
}

function countryKey(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/^the\s+/, "")
    .replace(/[^a-z]/g, "");
}

/**
 * "United States", "Deutschland", "U.S.A.", "us" → ISO 3166 alpha-2 ("US", "DE"), the form
 * routing rules compare; a value that names no country is returned as written.
 */
export function parseCountry(value: string): string {
  const text = value.trim();
  if (/^[a-z]{2}$/i.test(text)) return text.toUpperCase();
  return countryTable().get(countryKey(text)) ?? text;
}

/** Meta writes phone numbers as "p:+15551234567"; others as typed. */
export function cleanPhone(value: string): string {
  return value.trim().replace(/^(p|tel|phone):\s*/i, "");
}

const YES = /^(yes|y|true|1|x|checked|opted in|opt-in|subscribed|ja|oui|s[ií])$/i;
const NO = /^(no|n|false|0|unchecked|opted out|opt-out|unsubscribed|nein|non)$/i;

/** Consent and opt-in columns: Yes/No (and their usual spellings) as a boolean. */
export function parseYesNo(value: string): boolean | undefined {
  const text = value.trim();
  if (YES.test(text)) return true;
  if (NO.test(text)) return false;
  return undefined;
}

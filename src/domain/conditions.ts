// Evaluates playbook conditions (routing rules, fit rules) against a lead's fields.
import type { Condition, When } from "#src/playbook/schema.ts";

/** The lead fields conditions can read. */
export interface LeadFacts {
  email?: string | null;
  emailDomain?: string | null;
  title?: string | null;
  company?: string | null;
  companyDomain?: string | null;
  companySize?: number | null;
  industry?: string | null;
  country?: string | null;
  region?: string | null;
  city?: string | null;
  source?: string | null;
  campaign?: string | null;
  attributes?: Record<string, unknown> | null;
}

type Value = string | number | boolean | null | undefined;

export function readField(lead: LeadFacts, field: string): Value {
  if (field.startsWith("attributes.")) {
    let value: unknown = lead.attributes ?? undefined;
    for (const part of field.slice("attributes.".length).split(".")) {
      value =
        value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
    }
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
      ? value
      : value == null
        ? undefined
        : JSON.stringify(value);
  }
  return lead[field as keyof Omit<LeadFacts, "attributes">] ?? undefined;
}

const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let regex = patterns.get(source);
  if (!regex) {
    regex = new RegExp(source, "i");
    patterns.set(source, regex);
  }
  return regex;
}

const fold = (value: unknown) => (typeof value === "string" ? value.trim().toLowerCase() : value);

function same(a: Value, b: string | number | boolean): boolean {
  if (typeof a === "number" && typeof b === "string") return String(a) === b.trim();
  if (typeof a === "string" && typeof b === "number") return Number(a) === b;
  return fold(a) === fold(b);
}

function asNumber(value: Value): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** True when the lead passes every test in the condition. */
export function matchesCondition(lead: LeadFacts, condition: Condition): boolean {
  const value = readField(lead, condition.field);
  const present = value !== undefined && value !== null && value !== "";
  if (condition.exists !== undefined && condition.exists !== present) return false;
  if (condition.equals !== undefined && !same(value, condition.equals)) return false;
  if (condition.in !== undefined && !condition.in.some((option) => same(value, option)))
    return false;
  if (condition.notIn?.some((option) => same(value, option))) return false;
  if (condition.contains !== undefined) {
    const text = typeof value === "string" ? value.toLowerCase() : undefined;
    const needles = Array.isArray(condition.contains) ? condition.contains : [condition.contains];
    if (!text || !needles.some((needle) => text.includes(needle.toLowerCase()))) return false;
  }
  if (condition.matches !== undefined) {
    if (!present || !pattern(condition.matches).test(String(value))) return false;
  }
  const bounds = [condition.gte, condition.gt, condition.lte, condition.lt];
  if (bounds.some((bound) => bound !== undefined)) {
    const number = asNumber(value);
    if (number === undefined) return false;
    if (condition.gte !== undefined && !(number >= condition.gte)) return false;
    if (condition.gt !== undefined && !(number > condition.gt)) return false;
    if (condition.lte !== undefined && !(number <= condition.lte)) return false;
    if (condition.lt !== undefined && !(number < condition.lt)) return false;
  }
  return true;
}

/** A list or `all` needs every condition; `any` needs one. */
export function matchesWhen(lead: LeadFacts, when: When): boolean {
  if (Array.isArray(when)) return when.every((c) => matchesCondition(lead, c));
  if ("all" in when) return when.all.every((c) => matchesCondition(lead, c));
  return when.any.some((c) => matchesCondition(lead, c));
}

/** A condition as a person reads it: "companySize gte 500". */
export function describeCondition(condition: Condition): string {
  const tests = Object.entries(condition)
    .filter(([name, value]) => name !== "field" && value !== undefined)
    .map(([name, value]) => `${name} ${Array.isArray(value) ? `[${value.join(", ")}]` : value}`);
  return `${condition.field} ${tests.join(" and ")}`;
}

/** Why `when` does not hold for the lead ("companySize gte 500, but it is 80"), or undefined. */
export function failedCondition(lead: LeadFacts, when: When): string | undefined {
  const shown = (c: Condition) => {
    const value = readField(lead, c.field);
    const is = value === undefined || value === null || value === "" ? "empty" : `${value}`;
    return `${describeCondition(c)}, but it is ${is}`;
  };
  if (Array.isArray(when) || "all" in when) {
    const all = Array.isArray(when) ? when : when.all;
    const failed = all.find((c) => !matchesCondition(lead, c));
    return failed ? shown(failed) : undefined;
  }
  if (when.any.some((c) => matchesCondition(lead, c))) return undefined;
  return `none of: ${when.any.map(shown).join("; ")}`;
}

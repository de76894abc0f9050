// How an opportunity reads in words: "opportunity 006Qx01 · amount 12,500.00".

/** Undefined when neither the id nor the amount was given. */
export function describeOpportunity(o: {
  amount?: string | null;
  opportunityId?: string | null;
}): string | undefined {
  const parts = [
    o.opportunityId ? `opportunity ${o.opportunityId}` : undefined,
    o.amount
      ? `amount ${Number(o.amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
      : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : undefined;
}

// The lead's own fields, as the API names them: one list for capture, the importer and the CRM
// mappings. A leaf module, so the playbook can name them without importing the domain's logic.

/** The lead fields a capture sets besides the email, as the API names them (the CSV importer maps columns onto them). */
export const LEAD_FIELDS = [
  "firstName",
  "lastName",
  "title",
  "company",
  "companyDomain",
  "companySize",
  "industry",
  "country",
  "region",
  "city",
  "phone",
  "linkedinUrl",
  "website",
  "source",
  "campaign",
] as const;

export type LeadField = (typeof LEAD_FIELDS)[number];

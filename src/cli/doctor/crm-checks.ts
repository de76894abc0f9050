// The CRM integrations `baton doctor` checks, one entry each. A CRM's check answers three
// questions with the settings Baton itself reads: do the credentials work, do they carry the
// permissions Baton's calls need, and do the records and fields the playbook maps exist. A new
// CRM (Salesforce, ...) adds its check file and one entry here; the doctor runs each entry
// whose variables loaded, with the playbook when it is valid.
import type { Check } from "#src/cli/doctor/checklist.ts";
import { checkHubSpot } from "#src/cli/doctor/hubspot-check.ts";
import { checkSalesforce } from "#src/cli/doctor/salesforce-check.ts";
import type { Config } from "#src/config.ts";
import type { Playbook } from "#src/playbook/schema.ts";

export interface CrmCheck {
  /** Shown on the line that says the check was skipped. */
  label: string;
  /** The variables it reads: a wrong one skips the check instead of checking something else. */
  needs: string[];
  /** The playbook is undefined when it did not load: checks of its mappings are skipped. */
  run(config: Config, playbook: { playbook: Playbook; file: string } | undefined): Promise<Check[]>;
}

export const CRM_CHECKS: CrmCheck[] = [
  {
    label: "HubSpot",
    needs: ["HUBSPOT_ACCESS_TOKEN", "HUBSPOT_API_URL"],
    run: (config, loaded) => checkHubSpot(config.hubspot, loaded),
  },
  {
    label: "Salesforce",
    needs: [
      "SALESFORCE_ORGANIZATION_ID",
      "SALESFORCE_LOGIN_URL",
      "SALESFORCE_AUTH_FLOW",
      "SALESFORCE_CLIENT_ID",
      "SALESFORCE_CLIENT_SECRET",
      "SALESFORCE_REFRESH_TOKEN",
      "SALESFORCE_USERNAME",
      "SALESFORCE_PASSWORD",
      "SALESFORCE_API_VERSION",
    ],
    run: (config, loaded) => checkSalesforce(config.salesforce, loaded),
  },
];

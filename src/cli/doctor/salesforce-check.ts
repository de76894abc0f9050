// Salesforce, when the connected app is set (SALESFORCE_CLIENT_ID...) or the playbook turns the
// sync on: the credentials sign in with their flow and the session reads Users (the owner
// lookup, the cheapest read Baton makes), and the org they sign in to is the one
// SALESFORCE_ORGANIZATION_ID names, the org whose Outbound Messages Baton accepts. Only
// Salesforce's error codes and org ids are printed: its messages can quote a record.
import { type Check, fail, pass, skip } from "#src/cli/doctor/checklist.ts";
import type { Config } from "#src/config.ts";
import { probeSalesforce, SalesforceError } from "#src/crm/salesforce/salesforce-api.ts";
import type { Playbook } from "#src/playbook/schema.ts";

const SETUP = "docs/integrations/salesforce.md";

/** What to do about credentials Salesforce refuses, per flow. */
const CREDENTIALS_FIX: Record<string, string> = {
  client_credentials: `copy the connected app's Consumer Key and Secret (Setup → App Manager → your app → View → Manage Consumer Details) into SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET, check that the client credentials flow is enabled with a Run As user, and that SALESFORCE_LOGIN_URL is your My Domain URL (${SETUP})`,
  refresh_token: `issue a new refresh token for the connected app (scopes api and refresh_token) into SALESFORCE_REFRESH_TOKEN, and check SALESFORCE_CLIENT_ID (${SETUP})`,
  password: `check SALESFORCE_USERNAME, and SALESFORCE_PASSWORD (the password followed by the user's security token), SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET, and that the connected app allows the username-password flow (${SETUP})`,
};

export async function checkSalesforce(
  config: Config["salesforce"],
  loaded: { playbook: Playbook; file: string } | undefined,
): Promise<Check[]> {
  const { auth, organizationId } = config;
  if (!auth) {
    if (loaded?.playbook.crm.salesforce.sync) {
      return [
        fail(
          `Salesforce: ${loaded.file} turns the sync on (crm.salesforce.sync: true), but SALESFORCE_CLIENT_ID is not set: Baton will not start`,
          `set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET to your connected app's Consumer Key and Secret, with SALESFORCE_LOGIN_URL (${SETUP}), or set crm.salesforce.sync to false`,
        ),
      ];
    }
    return [
      skip(
        organizationId
          ? `Salesforce sign-in: skipped (SALESFORCE_CLIENT_ID is not set: Outbound Messages from org ${organizationId} come in, nothing is written back)`
          : "Salesforce: skipped (SALESFORCE_CLIENT_ID is not set)",
      ),
    ];
  }
  const endpoint = `Salesforce at SALESFORCE_LOGIN_URL ${new URL(config.loginUrl).host}`;
  let signedIn: { organizationId: string };
  try {
    signedIn = await probeSalesforce({
      auth,
      loginUrl: config.loginUrl,
      apiVersion: config.apiVersion,
    });
  } catch (error) {
    if (!(error instanceof SalesforceError)) throw error;
    return [refused(error, endpoint, auth.flow)];
  }
  const checks = [
    pass(`The connected app signs in to ${endpoint} (${auth.flow} flow) and reads Users`),
  ];
  const org = signedIn.organizationId;
  if (!organizationId) {
    checks.push(
      fail(
        `SALESFORCE_ORGANIZATION_ID is not set: Baton refuses every Outbound Message (the credentials sign in to org ${org || "unknown"})`,
        `set SALESFORCE_ORGANIZATION_ID to ${org || "your org's id"} (Setup → Company Information → Salesforce.com Organization ID)`,
      ),
    );
  } else if (!org) {
    checks.push(
      skip(
        `Salesforce org: skipped (${endpoint} named no org in its sign-in answer, so SALESFORCE_ORGANIZATION_ID cannot be compared)`,
      ),
    );
  } else if (org.slice(0, 15) !== organizationId.slice(0, 15)) {
    checks.push(
      fail(
        `The connected app signs in to org ${org}, but SALESFORCE_ORGANIZATION_ID is ${organizationId}: Baton would write to one org and refuse the other's Outbound Messages`,
        "set SALESFORCE_ORGANIZATION_ID to the org Baton works with (Setup → Company Information), and use that org's connected app and My Domain URL (SALESFORCE_LOGIN_URL); a sandbox has an org id of its own",
      ),
    );
  } else {
    checks.push(
      pass(
        `The connected app's org is SALESFORCE_ORGANIZATION_ID (${organizationId}), whose Outbound Messages Baton accepts`,
      ),
    );
  }
  return checks;
}

function refused(error: SalesforceError, endpoint: string, flow: string): Check {
  const code = error.errorCode;
  if (code === "NETWORK" || code === "TIMEOUT") {
    return fail(
      `${endpoint} could not be reached${code === "TIMEOUT" ? " in time" : ""}`,
      "check SALESFORCE_LOGIN_URL (your My Domain URL, e.g. https://acme.my.salesforce.com) and this machine's connection to it (proxy, firewall, DNS)",
    );
  }
  if (error.unauthorized || code === "unsupported_grant_type") {
    return fail(
      `${endpoint} refused the connected app's credentials (${code}, ${flow} flow)`,
      CREDENTIALS_FIX[flow] ?? `check the SALESFORCE_* credentials (${SETUP})`,
    );
  }
  if (error.message.includes("reading users")) {
    return fail(
      `The connected app signs in to ${endpoint}, but the session cannot read Users (${code})`,
      `give the integration user API Enabled and Read on Users, and the connected app the api scope (${SETUP})`,
    );
  }
  return fail(
    `${endpoint} answered ${code}`,
    "run `baton doctor` again later; if it persists, check status.salesforce.com",
  );
}

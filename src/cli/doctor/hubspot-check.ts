// HubSpot, when HUBSPOT_ACCESS_TOKEN is set (or the playbook turns the sync on): the token
// works (an owners list, the cheapest authenticated read), it carries the scopes
// docs/integrations/hubspot.md asks for (HubSpot's token information for private apps, and a
// one-record read per scope, which HubSpot answers 403 MISSING_SCOPES without), and the contact
// properties the playbook maps exist, with the Lead Status values it writes. Only statuses
// and HubSpot's error categories are printed: its error bodies can quote a contact.
import type { Client } from "@hubspot/api-client";
import { type Check, fail, pass, skip } from "#src/cli/doctor/checklist.ts";
import type { Config } from "#src/config.ts";
import { fieldMap } from "#src/crm/hubspot/contact-mapping.ts";
import { callHubSpot, HubSpotError, lazyHubSpotClient } from "#src/crm/hubspot/hubspot-api.ts";
import type { Playbook } from "#src/playbook/schema.ts";

const TIMEOUT_MS = 10_000;

/** The scopes Baton's HubSpot calls need (docs/integrations/hubspot.md, step 1). */
export const HUBSPOT_SCOPES = [
  "crm.objects.contacts.read",
  "crm.objects.contacts.write",
  "crm.objects.owners.read",
  "crm.objects.deals.read",
] as const;
/** Owner matching (crm.hubspot.ownerMatching) also reads the lead's company and its owner. */
const OWNER_MATCHING_SCOPE = "crm.objects.companies.read";
type Scope = (typeof HUBSPOT_SCOPES)[number] | typeof OWNER_MATCHING_SCOPE;

const SCOPES_FIX =
  "in HubSpot → Settings → Integrations → Private Apps → your app → Scopes, tick the scopes docs/integrations/hubspot.md lists and commit the change (the access token stays the same)";

export async function checkHubSpot(
  config: Config["hubspot"],
  loaded: { playbook: Playbook; file: string } | undefined,
): Promise<Check[]> {
  const settings = loaded?.playbook.crm.hubspot;
  if (!config.accessToken) {
    if (settings?.sync) {
      return [
        fail(
          `HubSpot: ${loaded?.file} turns the sync on (crm.hubspot.sync: true), but HUBSPOT_ACCESS_TOKEN is not set: Baton will not start`,
          "set HUBSPOT_ACCESS_TOKEN to your private app's access token (docs/integrations/hubspot.md), or set crm.hubspot.sync to false",
        ),
      ];
    }
    return [skip("HubSpot: skipped (HUBSPOT_ACCESS_TOKEN is not set)")];
  }
  const endpoint =
    config.apiUrl === "https://api.hubapi.com"
      ? "HubSpot"
      : `HubSpot at HUBSPOT_API_URL ${new URL(config.apiUrl).host}`;
  const client = lazyHubSpotClient({ accessToken: config.accessToken, apiUrl: config.apiUrl });
  const read = <T>(what: string, request: (c: Client) => Promise<T>) =>
    callHubSpot(what, async () => request(await client()), TIMEOUT_MS);

  // The token: an owners list of one. A refused token or an unreachable API ends the check.
  const owners = await outcome(
    read("listing owners", (c) => c.crm.owners.ownersApi.getPage(undefined, undefined, 1, false)),
  );
  if (owners.error && !owners.error.unauthorized) return [unreachable(owners.error, endpoint)];
  if (owners.error?.status === 401) {
    return [
      fail(
        `${endpoint} refused HUBSPOT_ACCESS_TOKEN (401${category(owners.error)})`,
        "copy the access token from HubSpot → Settings → Integrations → Private Apps → your app → Auth (rotate it there if it leaked or was revoked) into HUBSPOT_ACCESS_TOKEN",
      ),
    ];
  }

  // The scopes: what HubSpot says the token has (private apps), and what it refuses.
  const needed: Scope[] = [
    ...HUBSPOT_SCOPES,
    ...(settings?.ownerMatching ? [OWNER_MATCHING_SCOPE as Scope] : []),
  ];
  const [granted, contacts, deals, properties, companies] = await Promise.all([
    tokenScopes(client, config.accessToken),
    outcome(
      read("reading contacts", (c) => c.crm.contacts.basicApi.getPage(1, undefined, ["email"])),
    ),
    outcome(read("reading deals", (c) => c.crm.deals.basicApi.getPage(1, undefined, ["amount"]))),
    outcome(read("reading contact properties", (c) => c.crm.properties.coreApi.getAll("contacts"))),
    settings?.ownerMatching
      ? outcome(read("searching companies", oneCompany))
      : Promise.resolve({ error: undefined }),
  ]);
  const refused: Partial<Record<Scope, HubSpotError | undefined>> = {
    "crm.objects.owners.read": owners.error,
    "crm.objects.contacts.read": contacts.error,
    "crm.objects.deals.read": deals.error,
    [OWNER_MATCHING_SCOPE]: companies.error,
  };
  for (const error of Object.values(refused)) {
    if (error && !error.unauthorized) return [unreachable(error, endpoint)];
  }
  const missing = needed.filter(
    (scope) => refused[scope] !== undefined || (granted && !granted.includes(scope)),
  );
  const checks = [scopesCheck(missing, granted !== undefined, settings?.ownerMatching, endpoint)];

  // The playbook's mapping against the portal's contact properties.
  if (!loaded || !settings) {
    checks.push(skip("HubSpot properties in the playbook: skipped (they need a valid playbook)"));
  } else if (properties.error) {
    checks.push(
      skip(
        `HubSpot properties in ${loaded.file}: skipped (${endpoint} answered ${properties.error.status}${category(properties.error)} to a properties list)`,
      ),
    );
  } else {
    checks.push(checkProperties(properties.value?.results ?? [], settings, loaded.file));
  }
  return checks;
}

/** One company, the cheapest read owner matching's scope allows (a search: a POST that reads). */
const oneCompany = (c: Client) =>
  c.crm.companies.searchApi.doSearch({
    filterGroups: [],
    properties: ["domain"],
    sorts: [],
    limit: 1,
  });

function scopesCheck(
  missing: Scope[],
  listed: boolean,
  ownerMatching: boolean | undefined,
  endpoint: string,
): Check {
  if (missing.length > 0) {
    return fail(
      `HUBSPOT_ACCESS_TOKEN works, but ${endpoint} refuses it scopes Baton needs: ${missing.join(", ")}`,
      SCOPES_FIX,
    );
  }
  const how = listed
    ? ""
    : " (contacts write is checked by the first sync: HubSpot gives no token information for this token)";
  const readable = ownerMatching
    ? "owners, contacts, deals and companies (owner matching)"
    : "owners, contacts and deals";
  return pass(`HUBSPOT_ACCESS_TOKEN works with ${endpoint}: ${readable} readable${how}`);
}

type Settings = Playbook["crm"]["hubspot"];

function checkProperties(
  portal: { name: string; options?: { value: string }[] }[],
  settings: Settings,
  file: string,
): Check {
  const byName = new Map(portal.map((p) => [p.name, p]));
  const wanted = [
    ...Object.entries(fieldMap(settings)).map(([field, name]) => ({
      path: settings.fields[field as keyof Settings["fields"]]
        ? `crm.hubspot.fields.${field}`
        : `the default for ${field}`,
      name: name as string,
    })),
    ...settings.attributes.map((name, i) => ({ path: `crm.hubspot.attributes[${i}]`, name })),
  ];
  const unknown = wanted.filter((w) => !byName.has(w.name));
  const problems = unknown.map((w) => `${w.path} → ${w.name}`);
  if (settings.sync) {
    const values = new Set((byName.get("hs_lead_status")?.options ?? []).map((o) => o.value));
    for (const [decision, value] of Object.entries(settings.leadStatus)) {
      if (value && !values.has(value))
        problems.push(`crm.hubspot.leadStatus.${decision} → hs_lead_status value ${value}`);
    }
  }
  if (problems.length > 0) {
    return fail(
      `${file} maps HubSpot contact properties or values the portal does not have: ${problems.join(", ")}`,
      "use each property's internal name and each Lead Status option's internal value (HubSpot → Settings → Properties → the property), or create the property; map a default away with your own property under crm.hubspot.fields",
    );
  }
  const statuses = settings.sync ? " and the Lead Status values it writes" : "";
  return pass(`The ${wanted.length} contact properties ${file} maps${statuses} exist in HubSpot`);
}

/** The scopes HubSpot reports for a private app's token; undefined when it reports none. */
async function tokenScopes(
  client: () => Promise<Client>,
  token: string,
): Promise<string[] | undefined> {
  try {
    const response = await callHubSpot(
      "reading token information",
      async () =>
        (await client()).apiRequest({
          method: "POST",
          path: "/oauth/v2/private-apps/get/access-token-info",
          body: { tokenKey: token },
        }),
      TIMEOUT_MS,
    );
    if (!response.ok) return undefined;
    const body = (await response.json()) as { scopes?: unknown };
    return Array.isArray(body.scopes)
      ? body.scopes.filter((s) => typeof s === "string")
      : undefined;
  } catch {
    // An OAuth token, or an older portal: the per-scope reads still say what is refused.
    return undefined;
  }
}

async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: HubSpotError }> {
  try {
    return { value: await promise };
  } catch (error) {
    if (error instanceof HubSpotError) return { error };
    throw error;
  }
}

const category = (error: HubSpotError) => (error.category ? ` ${error.category}` : "");

function unreachable(error: HubSpotError, endpoint: string): Check {
  if (error.status === 0) {
    return fail(
      `${endpoint} could not be reached${error.category === "TIMEOUT" ? ` within ${TIMEOUT_MS / 1000} s` : ""}`,
      "check HUBSPOT_API_URL, if set (it should be https://api.hubapi.com), and this machine's connection to it (proxy, firewall, DNS)",
    );
  }
  return fail(
    `${endpoint} answered ${error.status}${category(error)}`,
    "run `baton doctor` again later; if it persists, check status.hubspot.com",
  );
}

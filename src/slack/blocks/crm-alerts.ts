// What admins read when the HubSpot sync needs them: once per problem, never once per lead.
export function hubspotNoOwnerAlert(slackUserId: string, missing: "no_email" | "no_owner") {
  const why =
    missing === "no_email"
      ? "Slack shows no email for them"
      : "no HubSpot user has their Slack email";
  return {
    text: `HubSpot sync: <@${slackUserId}> takes leads in Baton, but ${why}, so the HubSpot contacts of their leads keep their old owner. Add them in HubSpot (Settings → Users & Teams) with the email they use in Slack; Baton looks again within the hour.`,
  };
}

export function hubspotUnauthorizedAlert(status: number) {
  return {
    text: `HubSpot sync: HubSpot refused Baton's access token (${status}). Slack keeps working and every HubSpot update is kept and retried. To fix it: HubSpot → Settings → Integrations → Private Apps → your Baton app → Auth, copy the access token into HUBSPOT_ACCESS_TOKEN (check the scopes in docs/integrations/hubspot.md) and restart Baton.`,
  };
}

export function salesforceNoUserAlert(slackUserId: string, missing: "no_email" | "no_owner") {
  const why =
    missing === "no_email"
      ? "Slack shows no email for them"
      : "no active Salesforce user has their Slack email";
  return {
    text: `Salesforce sync: <@${slackUserId}> takes leads in Baton, but ${why}, so the Salesforce Leads they claim keep their old owner (their touches are logged as Tasks of Baton's integration user). Add them in Salesforce (Setup → Users) with the email they use in Slack; Baton looks again within the hour.`,
  };
}

export function salesforceUnauthorizedAlert(errorCode: string) {
  return {
    text: `Salesforce sync: Salesforce refused Baton's credentials (${errorCode}). Slack keeps working and every Salesforce update is kept and retried. To fix it: check the connected app (Setup → App Manager → your Baton app: Consumer Key and Secret in SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET, its OAuth policies and run-as user) and SALESFORCE_LOGIN_URL (docs/integrations/salesforce.md), then restart Baton.`,
  };
}

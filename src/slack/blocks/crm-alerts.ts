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

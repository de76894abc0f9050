// The emoji in front of an activity on the card's timeline and in activity replies. Slack's
// shortcodes, kept here so the words for an activity (read-models/lead-activity.ts) stay plain.
const EMOJI: Record<string, string> = {
  demo_request: ":raising_hand:",
  contact_sales: ":telephone_receiver:",
  meeting: ":calendar:",
  call: ":phone:",
  event_scan: ":handshake:",
  pricing_page: ":moneybag:",
  webinar_attended: ":tv:",
  form_submit: ":memo:",
  content_download: ":inbox_tray:",
  webinar_registered: ":date:",
  email_click: ":link:",
  page_view: ":page_facing_up:",
  email_open: ":envelope:",
};

export function activityEmoji(type: string): string {
  return EMOJI[type] ?? ":small_blue_diamond:";
}

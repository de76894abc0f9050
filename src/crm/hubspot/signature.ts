// HubSpot's v3 request signature (developers.hubspot.com → Validating requests):
//   X-HubSpot-Signature-v3 = base64(HMAC-SHA256(client secret,
//                                   method + URI + body + X-HubSpot-Request-Timestamp))
// where the URI is the full address HubSpot called (scheme, host, path, query) with a few
// percent-encoded characters decoded, and a timestamp (milliseconds) older than five minutes
// is refused. @hubspot/api-client has Signature.isValid, but it compares with `===` (not in
// constant time) and leaves the URI to the caller; this is the same computation, compared in
// constant time.
import { createHmac, timingSafeEqual } from "node:crypto";

export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** The characters HubSpot decodes in the URI before signing. */
const DECODED: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};

export interface SignedRequest {
  method: string;
  /** The full URI HubSpot called: https://baton.example.com/api/v1/crm/hubspot/workflow */
  uri: string;
  body: string;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type SignatureCheck =
  | { valid: true }
  | { valid: false; reason: "missing" | "stale" | "mismatch" };

export function signHubSpotRequest(
  secret: string,
  request: Omit<SignedRequest, "signature" | "timestamp"> & { timestamp: string },
): string {
  const source = `${request.method}${decodeUri(request.uri)}${request.body}${request.timestamp}`;
  return createHmac("sha256", secret).update(source, "utf8").digest("base64");
}

export function checkHubSpotSignature(
  secret: string,
  request: SignedRequest,
  now: Date,
): SignatureCheck {
  const { signature, timestamp } = request;
  if (!signature || !timestamp || !/^\d{1,16}$/.test(timestamp)) {
    return { valid: false, reason: "missing" };
  }
  if (Math.abs(now.getTime() - Number(timestamp)) > MAX_SIGNATURE_AGE_MS) {
    return { valid: false, reason: "stale" };
  }
  const expected = Buffer.from(signHubSpotRequest(secret, { ...request, timestamp }));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; a different length is a mismatch all the same.
  const same =
    expected.length === given.length
      ? timingSafeEqual(expected, given)
      : !timingSafeEqual(expected, expected);
  return same ? { valid: true } : { valid: false, reason: "mismatch" };
}

function decodeUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()]!);
}

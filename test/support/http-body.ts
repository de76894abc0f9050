// Reading and writing HTTP bodies for the fake servers: form-encoded, JSON and multipart, as
// @slack/web-api, Bolt's respond() and the openai client send them.
import type { IncomingMessage, ServerResponse } from "node:http";

/** A parsed request body: its fields, and any file parts of a multipart body. */
export interface ParsedBody {
  fields: Record<string, unknown>;
  files: { field: string; filename: string; data: Buffer }[];
}

/**
 * Fields WebClient JSON-encodes when it form-encodes a call (it stringifies every non-primitive
 * argument). Only these are parsed back, so a `text` that happens to look like JSON stays text.
 */
const STRUCTURED_FIELDS = new Set([
  "attachments",
  "blocks",
  "files",
  "metadata",
  "unfurls",
  "user_auth_blocks",
  "view",
]);

/** The whole request body as bytes. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a body by its content type; a malformed JSON body throws. */
export async function parseBody(raw: Buffer, contentType: string): Promise<ParsedBody> {
  if (raw.length === 0) return { fields: {}, files: [] };
  if (contentType.includes("application/json")) {
    const json: unknown = JSON.parse(raw.toString("utf8"));
    return { fields: isRecord(json) ? json : { value: json }, files: [] };
  }
  if (contentType.includes("multipart/form-data")) return parseMultipart(raw, contentType);
  const fields: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw.toString("utf8"))) {
    fields[key] = STRUCTURED_FIELDS.has(key) ? parseJsonOr(value) : value;
  }
  return { fields, files: [] };
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  // Node's fetch Response parses multipart bodies (the same parser that built them).
  const form = await new Response(new Uint8Array(raw), {
    headers: { "content-type": contentType },
  }).formData();
  const parsed: ParsedBody = { fields: {}, files: [] };
  for (const [field, value] of form) {
    if (typeof value === "string") {
      parsed.fields[field] = STRUCTURED_FIELDS.has(field) ? parseJsonOr(value) : value;
    } else {
      const data = Buffer.from(await value.arrayBuffer());
      parsed.files.push({ field, filename: value.name, data });
    }
  }
  return parsed;
}

/** Writes a JSON answer with the given status and extra headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

/** The token of an `Authorization: Bearer ...` header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
}

/** Narrows JSON to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJsonOr(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

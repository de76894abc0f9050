// Reads a JSON request body within a size limit. Problems become AppErrors with the status
// the client should see (413, 415, 400), never a 500.
import type { IncomingMessage } from "node:http";
import { AppError } from "#src/errors.ts";

/** Nesting deeper than this is refused before it reaches a validator. */
const MAX_DEPTH = 32;

export async function readJson(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ value: unknown; raw: Buffer }> {
  if (!isJson(req)) {
    req.resume();
    throw notJson();
  }
  return parseJson(await readBody(req, maxBytes));
}

/** Whether the request says its body is JSON. */
export function isJson(req: IncomingMessage): boolean {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || type.endsWith("+json");
}

export function notJson(): AppError {
  return new AppError(
    "unsupported_media_type",
    "Send the body as JSON with Content-Type: application/json.",
  );
}

/**
 * The body's bytes, whatever its type, within the size limit: for a caller that must check a
 * signature over the body before it says anything about the body's type.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new AppError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw new AppError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body parsed as JSON: 400 with the reason when it is not UTF-8, too deep or not JSON. */
export function parseJson(raw: Buffer): { value: unknown; raw: Buffer } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new AppError("bad_request", "The body is not valid UTF-8.");
  }
  if (depthExceeds(text, MAX_DEPTH)) {
    throw new AppError("bad_request", `The JSON is nested more than ${MAX_DEPTH} levels deep.`);
  }
  try {
    return { value: JSON.parse(text), raw };
  } catch (error) {
    throw new AppError("bad_request", `The body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Counts bracket depth outside strings, without parsing. */
function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

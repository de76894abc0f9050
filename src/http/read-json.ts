// Reads a request body (JSON, or the XML of a SOAP call) within a size limit. Problems become
// AppErrors with the status the client should see (413, 415, 400), never a 500.
import type { IncomingMessage } from "node:http";
import { AppError } from "#src/errors.ts";

/** Nesting deeper than this is refused before it reaches a validator. */
const MAX_DEPTH = 32;

/** What a route takes: which Content-Types, and what to tell a caller who sent another. */
export interface BodyType {
  accepts: (type: string) => boolean;
  expected: string;
}

export const JSON_BODY: BodyType = {
  accepts: (type) => type === "application/json" || type.endsWith("+json"),
  expected: "Send the body as JSON with Content-Type: application/json.",
};

export async function readJson(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ value: unknown; raw: Buffer }> {
  const { raw } = await readBody(req, maxBytes, JSON_BODY);
  return parseJson(raw);
}

/** The body parsed as JSON: 400 with the reason when it is not UTF-8, too deep or not JSON. */
export function parseJson(raw: Buffer): { value: unknown; raw: Buffer } {
  const text = utf8(raw);
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

/** 415 unless the request's Content-Type is one `content` takes. */
export function checkType(req: IncomingMessage, content: BodyType): void {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (!content.accepts(type)) throw new AppError("unsupported_media_type", content.expected);
}

/** The body as UTF-8 text, when its Content-Type is one `content` takes. */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
  content: BodyType,
): Promise<{ text: string; raw: Buffer }> {
  try {
    checkType(req, content);
  } catch (error) {
    req.resume();
    throw error;
  }
  const raw = await readBytes(req, maxBytes);
  return { text: utf8(raw), raw };
}

/**
 * The body's bytes, whatever its type, within the size limit: for a caller that must check a
 * signature over the body before it says anything about the body's type.
 */
export async function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
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

function utf8(raw: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new AppError("bad_request", "The body is not valid UTF-8.");
  }
}

// A JSON document sent to PostgreSQL as a `jsonb` parameter in the binary format: a version
// byte (1) and the document's UTF-8 text. Sent as text, a batch's document (~1 MB for 500 rows
// of an import) is measured twice on the way out: pg calls Buffer.byteLength on it, and
// PGlite's serializer counts its UTF-8 bytes in a JavaScript loop, twice, ~1 s of a 50,000-row
// import on PGlite's one thread. As bytes it is encoded once, natively, and both clients copy
// it as it is (pg and PGlite send Buffers and Uint8Arrays as binary parameters).

/** The binary `jsonb` wire format's version (PostgreSQL's jsonb_recv accepts only 1). */
const JSONB_VERSION = 1;

/** `value` as the bytes of a binary `jsonb` parameter (`$n::jsonb`). */
export function jsonbParam(value: unknown): Buffer {
  const text = JSON.stringify(value);
  const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
  bytes[0] = JSONB_VERSION;
  bytes.write(text, 1);
  return bytes;
}

const [OPEN, COMMA, CLOSE] = Buffer.from("[,]");

/**
 * A binary `jsonb` array of elements already encoded as UTF-8 JSON, each part holding one or
 * more comma-separated elements (empty parts are skipped): the bytes are copied, not re-encoded.
 */
export function jsonbArray(parts: Uint8Array[]): Buffer {
  let length = 3; // version, brackets
  for (const part of parts) length += part.length + 1;
  const bytes = Buffer.allocUnsafe(length);
  bytes[0] = JSONB_VERSION;
  bytes[1] = OPEN!;
  let offset = 2;
  for (const part of parts) {
    if (part.length === 0) continue;
    if (offset > 2) bytes[offset++] = COMMA!;
    bytes.set(part, offset);
    offset += part.length;
  }
  bytes[offset++] = CLOSE!;
  return bytes.subarray(0, offset);
}

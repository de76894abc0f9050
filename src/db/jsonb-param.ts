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

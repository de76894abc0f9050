// Slack's documented Block Kit limits, checked the way Slack reports them (`invalid_blocks` with
// "[json-pointer:/blocks/0/text/text]"), so a builder that forgets to cut a string fails in tests
// as it would in Slack. Only the limits Baton's surfaces can hit; not a full schema.

const MAX_LENGTH: Record<string, Record<string, number>> = {
  section: { "text.text": 3000 },
  header: { "text.text": 150 },
  image: { image_url: 3000, alt_text: 2000, "title.text": 2000 },
  input: { "label.text": 2000, "hint.text": 2000 },
};

const MAX_ELEMENTS: Record<string, number> = { actions: 25, context: 10 };

const ELEMENT_MAX_LENGTH: Record<string, number> = {
  "text.text": 75,
  value: 2000,
  url: 3000,
  action_id: 255,
};

/** Errors in a `blocks` array; `maxBlocks` is 50 in messages and 100 in modals and Home. */
export function blockErrors(blocks: unknown, pointer: string, maxBlocks: number): string[] {
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) return [`must be an array [json-pointer:${pointer}]`];
  const errors: string[] = [];
  if (blocks.length > maxBlocks) {
    errors.push(`no more than ${maxBlocks} items allowed [json-pointer:${pointer}]`);
  }
  const blockIds = new Set<string>();
  blocks.forEach((block: unknown, index) => {
    const at = `${pointer}/${index}`;
    if (!isRecord(block) || typeof block.type !== "string") {
      errors.push(`missing required field: type [json-pointer:${at}]`);
      return;
    }
    if (typeof block.block_id === "string") {
      if (blockIds.has(block.block_id)) errors.push(`duplicate block_id [json-pointer:${at}]`);
      blockIds.add(block.block_id);
      tooLong(errors, block, "block_id", 255, at);
    }
    for (const [path, max] of Object.entries(MAX_LENGTH[block.type] ?? {})) {
      tooLong(errors, block, path, max, at);
    }
    if (block.type === "section" && Array.isArray(block.fields)) {
      if (block.fields.length > 10)
        errors.push(`no more than 10 items allowed [json-pointer:${at}/fields]`);
      block.fields.forEach((field: unknown, i) => {
        tooLong(errors, field, "text", 2000, `${at}/fields/${i}`);
      });
    }
    if (block.type === "section" && block.accessory !== undefined) {
      elementErrors(errors, block.accessory, `${at}/accessory`);
    }
    if (Array.isArray(block.elements)) {
      const max = MAX_ELEMENTS[block.type];
      if (max !== undefined && block.elements.length > max) {
        errors.push(`no more than ${max} items allowed [json-pointer:${at}/elements]`);
      }
      block.elements.forEach((element: unknown, i) => {
        elementErrors(errors, element, `${at}/elements/${i}`);
      });
    }
  });
  return errors;
}

/** Errors in a modal or Home tab view. */
export function viewErrors(view: unknown): string[] {
  if (!isRecord(view)) return ["must provide an object [json-pointer:/view]"];
  const errors: string[] = [];
  if (view.type !== "modal" && view.type !== "home") {
    errors.push("must be one of modal, home [json-pointer:/view/type]");
  }
  if (view.type === "modal") {
    if (!isRecord(view.title)) errors.push("missing required field: title [json-pointer:/view]");
    for (const field of ["title", "submit", "close"])
      tooLong(errors, view, `${field}.text`, 24, "/view");
  }
  tooLong(errors, view, "private_metadata", 3000, "/view");
  tooLong(errors, view, "callback_id", 255, "/view");
  return [...errors, ...blockErrors(view.blocks ?? [], "/view/blocks", 100)];
}

function elementErrors(errors: string[], element: unknown, at: string): void {
  if (!isRecord(element) || element.type !== "button") return;
  for (const [path, max] of Object.entries(ELEMENT_MAX_LENGTH))
    tooLong(errors, element, path, max, at);
}

function tooLong(errors: string[], object: unknown, path: string, max: number, at: string): void {
  let value: unknown = object;
  for (const key of path.split(".")) value = isRecord(value) ? value[key] : undefined;
  if (typeof value === "string" && value.length > max) {
    errors.push(
      `must be less than ${max + 1} characters [json-pointer:${at}/${path.replaceAll(".", "/")}]`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

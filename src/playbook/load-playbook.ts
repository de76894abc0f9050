// Reads and validates the playbook. Every problem names the file, line and field, so RevOps
// can fix it without guessing; an invalid file never replaces a running playbook.
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { isNode, LineCounter, type Node, parseDocument } from "yaml";
import { type Playbook, playbookSchema } from "#src/playbook/schema.ts";

export class PlaybookError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `The playbook ${file} has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "PlaybookError";
  }
}

/** Reads the playbook file; throws PlaybookError when it cannot be read or is invalid. */
export async function loadPlaybook(path: string, cwd = process.cwd()): Promise<Playbook> {
  const fromCwd = relative(cwd, path);
  const shown = fromCwd && !fromCwd.startsWith("..") ? fromCwd : path;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PlaybookError(shown, [
      code === "ENOENT"
        ? `the file does not exist: copy manifests/playbook.yml and adapt it, or set PLAYBOOK to its path`
        : `the file cannot be read (${code ?? String(error)})`,
    ]);
  }
  return parsePlaybook(text, shown);
}

/** Parses and validates playbook YAML text. */
export function parsePlaybook(text: string, file = "playbook.yml"): Playbook {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PlaybookError(
      file,
      doc.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return `line ${pos.line}, column ${pos.col}: ${error.message.split("\n")[0]}`;
      }),
    );
  }
  const parsed = playbookSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;

  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map((part) => (typeof part === "symbol" ? String(part) : part));
    const { node, exact } = nearestNode(doc.contents, path);
    const at = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
    const where = at ? `line ${at.line}: ` : "";
    const name = formatPath(path);
    const message = issue.code === "unrecognized_keys" ? unknownKeys(issue.keys) : issue.message;
    if (!name) return `${where}${message}`;
    if (!exact && issue.code === "invalid_type") {
      return `${where}${name} is required (${issue.expected === "array" ? "a list" : `a ${issue.expected}`})`;
    }
    return `${where}${name} ${message}`;
  });
  throw new PlaybookError(file, problems);
}

function unknownKeys(keys: string[]): string {
  return `has unknown field${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")} (check the spelling against manifests/playbook.yml)`;
}

/** The YAML node at `path`, or its nearest ancestor when the value is missing. */
function nearestNode(
  root: unknown,
  path: (string | number)[],
): { node: Node | undefined; exact: boolean } {
  let node = isNode(root) ? root : undefined;
  for (let i = 0; i < path.length; i++) {
    const next = (
      node as { get?: (key: unknown, keepScalar: boolean) => unknown } | undefined
    )?.get?.(path[i], true);
    if (!isNode(next)) return { node, exact: false };
    node = next;
  }
  return { node, exact: true };
}

/** ["teams", 0, "reps", 1, "user"] → "teams[0].reps[1].user" */
function formatPath(path: (string | number)[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
}

// Every Slack user and channel id the playbook names, with the role it plays and where it is
// written (field path and line), so a failed check can say exactly what to edit.
import { isNode, LineCounter, parseDocument } from "yaml";
import type { Playbook } from "#src/playbook/schema.ts";

export type Role = "rep" | "manager" | "marketer" | "admin";

export interface PlaybookPlace {
  /** "teams[0].reps[2].user" */
  path: string;
  /** 1-based line in the playbook file, when found. */
  line?: number;
  /** "rep in emea-enterprise", "marketing channel"... */
  what: string;
}

export interface PersonRef {
  id: string;
  roles: Role[];
  places: PlaybookPlace[];
}

export interface ChannelRef {
  id: string;
  places: PlaybookPlace[];
}

type PathPart = string | number;

/** Finds the line of a field path in the playbook text; undefined when the text has no such node. */
export function lineFinder(text: string): (path: PathPart[]) => number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return (path) => {
    const node = doc.getIn(path, true);
    return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
}

function formatPath(path: PathPart[]): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
}

export function playbookRefs(
  playbook: Playbook,
  lineOf: (path: PathPart[]) => number | undefined = () => undefined,
): { people: PersonRef[]; channels: ChannelRef[] } {
  const people = new Map<string, PersonRef>();
  const channels = new Map<string, ChannelRef>();
  const place = (path: PathPart[], what: string): PlaybookPlace => ({
    path: formatPath(path),
    line: lineOf(path),
    what,
  });
  const person = (id: string, role: Role, path: PathPart[], what: string) => {
    const ref = people.get(id) ?? { id, roles: [], places: [] };
    if (!ref.roles.includes(role)) ref.roles.push(role);
    ref.places.push(place(path, what));
    people.set(id, ref);
  };
  const channel = (id: string, path: PathPart[], what: string) => {
    const ref = channels.get(id) ?? { id, places: [] };
    ref.places.push(place(path, what));
    channels.set(id, ref);
  };

  playbook.teams.forEach((team, i) => {
    channel(team.channel, ["teams", i, "channel"], `channel of team ${team.key}`);
    team.managers.forEach((id, j) => {
      person(id, "manager", ["teams", i, "managers", j], `manager of ${team.key}`);
    });
    team.reps.forEach((rep, j) => {
      person(rep.user, "rep", ["teams", i, "reps", j, "user"], `rep in ${team.key}`);
    });
  });
  channel(playbook.marketing.channel, ["marketing", "channel"], "marketing channel");
  playbook.marketing.marketers.forEach((id, i) => {
    person(id, "marketer", ["marketing", "marketers", i], "marketer");
  });
  playbook.admins.forEach((id, i) => {
    person(id, "admin", ["admins", i], "admin");
  });
  return { people: [...people.values()], channels: [...channels.values()] };
}

/** "rep in emea-enterprise, manager of inbound-sales" */
export function describeRoles(ref: { places: PlaybookPlace[] }): string {
  return [...new Set(ref.places.map((p) => p.what))].join(", ");
}

/** "manifests/playbook.yml line 44 (teams[0].reps[2].user)", for each place. */
export function describePlaces(file: string, ref: { places: PlaybookPlace[] }): string {
  const where = ref.places.map((p) => (p.line ? `line ${p.line} (${p.path})` : p.path));
  return `${file} ${where.join(", ")}`;
}

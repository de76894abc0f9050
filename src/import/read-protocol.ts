// What the import's reader thread (src/import/read-worker.ts) and the import (src/import/
// read-in-worker.ts) say to each other. Plain data: it crosses the thread boundary by structured
// clone (Dates included).
import type { ReadOptions } from "#src/import/open-import.ts";
import type { LeadRequest } from "#src/intake/schemas.ts";
import type { Scoring } from "#src/playbook/schema.ts";
import type { Actor } from "#src/services/lead-journal.ts";
import type { NewLeadPlan } from "#src/services/new-lead-plan.ts";

/** One record of the file, read and checked, in file order. */
export type ReadItem =
  /**
   * A row that goes in (with the warnings of values kept as attributes), and the new lead it
   * makes if its email is not stored yet, when the import has the reader plan leads.
   */
  | {
      kind: "row";
      line: number;
      fields: string[];
      lead: LeadRequest;
      warnings: string[];
      plan?: NewLeadPlan;
    }
  /** A row (or a malformed record) refused, with why. */
  | { kind: "reject"; line: number; fields: string[]; reason: string }
  /** A line of report text (a total, a footer): not a lead, not counted as a row. */
  | { kind: "report"; line: number };

/** An item with the bytes of the file read when it was, for progress. */
export type Positioned = ReadItem & { bytesRead: number };

export interface ReaderSetup {
  read: Omit<ReadOptions, "now"> & { now: Date };
  /** A chunk is sent when it holds this many records... */
  chunkRecords: number;
  /** ...or this many bytes of fields, whichever comes first. */
  chunkBytes: number;
  /** Chunks sent and not yet taken by the import: the reader waits beyond this. */
  chunksAhead: number;
  /** Plan each row's new lead (services/new-lead-plan.ts): a chunk's rows for one time. */
  planning?: PlanningSetup;
}

export interface PlanningSetup {
  scoring: Scoring;
  actor: Actor;
  /** The time the caller's clock gives for every chunk; absent, each chunk's own time. */
  now?: Date;
}

/** What the import needs to know of the file before its rows. */
export interface OpenedFile {
  header: string[];
  headerLine: number;
  delimiter: string;
  bom: boolean;
  size: number;
  format?: string;
  columns: string[];
  rejectsPath: string;
}

export type FromReader =
  | { type: "opened"; file: OpenedFile }
  | { type: "chunk"; items: Positioned[]; bytes: number }
  | { type: "end" }
  /** The file could not be read on (fatal: a FatalError, with what to fix). */
  | { type: "failed"; fatal: boolean; message: string; stack?: string };

/** The import took a chunk: the reader may send one more. */
export type ToReader = { type: "more" };

/** The bytes a record holds in memory, roughly: its fields' characters. */
export function recordBytes(fields: string[]): number {
  let bytes = 0;
  for (const field of fields) bytes += field.length;
  return bytes;
}

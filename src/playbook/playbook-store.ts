// Holds the playbook in force. A reload that fails validation keeps the previous one running.
import { loadPlaybook, PlaybookError } from "#src/playbook/load-playbook.ts";
import type { Playbook } from "#src/playbook/schema.ts";

export class PlaybookStore {
  private playbook: Playbook;

  private constructor(
    readonly path: string,
    playbook: Playbook,
  ) {
    this.playbook = playbook;
  }

  /** Loads the playbook at start; throws PlaybookError when it is missing or invalid. */
  static async open(path: string): Promise<PlaybookStore> {
    return new PlaybookStore(path, await loadPlaybook(path));
  }

  /** A store over a playbook already in memory (tests). */
  static of(playbook: Playbook, path = "playbook.yml"): PlaybookStore {
    return new PlaybookStore(path, playbook);
  }

  get current(): Playbook {
    return this.playbook;
  }

  /** Re-reads the file; on error the previous playbook stays and the error is returned. */
  async reload(): Promise<{ ok: true; playbook: Playbook } | { ok: false; error: PlaybookError }> {
    try {
      this.playbook = await loadPlaybook(this.path);
      return { ok: true, playbook: this.playbook };
    } catch (error) {
      if (error instanceof PlaybookError) return { ok: false, error };
      throw error;
    }
  }
}

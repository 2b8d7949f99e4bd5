import { readFileSync } from 'node:fs';
import { digest } from './file-stamps.js';

/**
 * The content each changed file had when last seen changing, so that a file written again with
 * the same bytes is no change. An app that writes into the project as it synthesizes (an
 * esbuild `buildSync` into `api/dist` at the top of its CDK app) rewrites the same output each
 * time: taken as a change, it synthesized again, which rewrote it again, without end.
 */
export class SeenContents {
  readonly #digests = new Map<string, string>();

  /** Whether `file` (absolute) differs from when it was last seen here; the first sight of a file, and a deleted or unreadable one, is a change. */
  changed(file: string): boolean {
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch {
      // Gone, a folder, or unreadable: the planner judges it as before.
      this.#digests.delete(file);
      return true;
    }
    const now = digest(content);
    const before = this.#digests.get(file);
    this.#digests.set(file, now);
    return before !== now;
  }
}

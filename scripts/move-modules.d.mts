/** A move list that cannot be used (not JSON, no moves, a path outside the repository). */
export declare class MoveListError extends Error {}

/** One move of a move list: repository-relative paths, a file or a folder each. */
export interface Move {
  readonly from: string;
  readonly to: string;
}

/** A move list read and checked. */
export declare function readMoveList(file: string): { moves: Move[]; mentions: string[] };

/** What a run did and what it could not do. */
export interface MoveReport {
  /** The moves made or skipped (already moved). */
  readonly done: string[];
  /** Moves it could not make (both the source and the target exist, or neither). */
  readonly problems: string[];
  /** The files whose paths it rewrote. */
  readonly changed: string[];
  /** Paths that resolve both to a moved path and to one that exists: left as written. */
  readonly ambiguous: string[];
  /** Lines that still hold one of the list's `mentions` (`file:line: word: text`). */
  readonly leftMentions: string[];
}

/** Runs the move list `listFile` on the git repository at `root`. */
export declare function moveModules(root: string, listFile: string, options?: { dryRun?: boolean }): MoveReport;

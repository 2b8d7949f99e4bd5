import type { LambdaErrorPayload } from '../core/function-definition.js';

/** What an environment answers an invocation: its result or its error (`payload`: the text its runtime wrote), and its log. */
export interface InvocationAnswer {
  readonly type: string;
  readonly id?: string;
  readonly payload?: string;
  readonly error?: LambdaErrorPayload;
  readonly memoryUsedMb?: number;
  readonly logLines?: string[];
  /** How many of `logLines` ended with a line end: the lines the console readers get for them (a Node.js worker's or a Python process's answer). */
  readonly consoleLines?: number;
  readonly logged?: boolean;
}

/** The longest an answer waits for the worker's console lines before END and REPORT are printed. */
const CONSOLE_WAIT_MS = 2000;

/**
 * The console lines an environment printed during one run (the runtime's log, line by line),
 * and the run's answer held back until they are all printed: a Node.js worker's console lines (a
 * Python process's stdout and stderr) reach the runtime on their own channel and may come after
 * its answer, and END and REPORT,
 * printed once the run ends, came before the function's own last lines (its log stream, made
 * of the answer's `logLines`, was in order).
 */
export class RunConsole {
  readonly lines: string[] = [];
  #held?: { readonly count: number; readonly release: () => void };

  /** A line the environment printed (its `onLine`). */
  take(line: string): void {
    this.lines.push(line);
    if (this.#held !== undefined && this.lines.length >= this.#held.count) this.#held.release();
  }

  /**
   * Runs `go` once `count` lines were printed in the run: at once when they were or the count is
   * unknown (no log asked for), else when the last comes, or after CONSOLE_WAIT_MS for a
   * count that never comes (a line of the previous invocation taken in this one's place).
   */
  after(count: number | undefined, go: () => void): void {
    if (count === undefined || this.lines.length >= count) {
      go();
      return;
    }
    const timer = setTimeout(() => this.#held?.release(), CONSOLE_WAIT_MS);
    this.#held = {
      count,
      release: () => {
        clearTimeout(timer);
        this.#held = undefined;
        go();
      },
    };
  }
}

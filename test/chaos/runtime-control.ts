import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startApp, type TestApp } from '../../testing/index.js';
import { credentials, region } from '../local/helpers.js';

/**
 * The app on a runtime of the suite's own, through the public testing API: in a process of
 * its own (`ownProcess`), which `TestApp.crash()` kills with SIGKILL and starts again on the
 * same data folder and port, under IAM enforce (a request the app's grants do not allow fails
 * as on AWS, and the run counts what it lost). Every call the suite makes to it passes through
 * `call`, and a kill waits for the calls under way to finish first: the suite never has to
 * guess whether a PutEvents cut off by the kill was accepted (a poison event sent twice would
 * be counted as dead-lettered twice). The kill still lands at a random moment for everything
 * the runtime itself is doing: handlers, executions, deliveries.
 */
export class ChaosRuntime {
  /** What each life of the runtime printed, one entry per start. */
  readonly #outputs: string[] = [''];
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #paused: Promise<void> | undefined;
  /** When each SIGKILL was sent (epoch ms), in order. */
  readonly killedAt: number[] = [];

  private constructor(private readonly app: TestApp) {}

  /** Starts the app from its assembly; resolves once it listens. */
  static async start(cdkOut: string): Promise<ChaosRuntime> {
    let runtime: ChaosRuntime | undefined;
    const early: string[] = [];
    const app = await startApp(
      { cdkOut },
      {
        ownProcess: true,
        iam: 'enforce',
        log: (line) => {
          if (runtime === undefined) early.push(line);
          else runtime.#append(line);
        },
      },
    );
    runtime = new ChaosRuntime(app);
    for (const line of early) runtime.#append(line);
    return runtime;
  }

  #append(line: string): void {
    this.#outputs[this.#outputs.length - 1] += `${line}\n`;
  }

  /** SDK client settings for the runtime's endpoint. */
  get config() {
    return { endpoint: this.app.endpoint, region, credentials };
  }

  get port(): number {
    return Number(new URL(this.app.endpoint).port);
  }

  get dataDir(): string {
    return this.app.dataDir;
  }

  /** Runs `fn` while the runtime is up; a kill waits for it. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#paused) await this.#paused;
    this.#inFlight++;
    try {
      return await fn();
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#drained?.();
    }
  }

  /** SIGKILL once the suite's own calls are answered, then a start on the same data folder (TestApp.crash). */
  async killAndRestart(): Promise<void> {
    let resume: () => void = () => undefined;
    this.#paused = new Promise((resolve) => {
      resume = resolve;
    });
    try {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = undefined;
      this.killedAt.push(Date.now());
      this.#outputs.push('');
      await this.app.crash();
    } finally {
      this.#paused = undefined;
      resume();
    }
  }

  get kills(): number {
    return this.killedAt.length;
  }

  /**
   * Which life of the runtime a moment falls in: 0 before the first kill, 1 between the
   * first and the second, ... A time the runtime stamped (an event's `time`, whole seconds)
   * at or after a kill's moment can only be after the restart: the runtime was down between.
   */
  lifeAt(time: number): number {
    return this.killedAt.filter((killed) => killed <= time).length;
  }

  /** The last `chars` characters the current process printed (for a failure's message). */
  tail(chars = 3000): string {
    return this.#outputs.at(-1)?.slice(-chars) ?? '';
  }

  /** Writes what each life printed to a folder of its own (the data folder goes with `stop()`): runtime-<life>.log; resolves with the paths. */
  saveOutputs(): string[] {
    const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-chaos-logs-'));
    return this.#outputs.map((output, life) => {
      const file = path.join(folder, `runtime-${life}.log`);
      writeFileSync(file, output);
      return file;
    });
  }

  /**
   * The lines of every life's output that name one of `keys` (an item's id), at most `max` a
   * key, each marked with its life: what a CI log shows of a failed run, whose saved files
   * go with the test's temporary folder.
   */
  linesAbout(keys: readonly string[], max = 40): string[] {
    return keys.flatMap((key) =>
      this.#outputs
        .flatMap((output, life) => output.split('\n').flatMap((line) => (line.includes(key) ? [`life ${life}: ${line}`] : [])))
        .slice(0, max),
    );
  }

  stop(): Promise<void> {
    return this.app.stop();
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { iamModeOf } from '../local/iam/module.js';
import { InvocationFaults } from '../local/lambda/runtime/invocation-faults.js';
import { LocalRuntime } from '../local/runtime.js';
import { AdvanceableClock } from '../local/time/clock.js';
import { destroyClients, type TestClients, testClients } from './clients.js';
import { type AppRuntime, OwnProcessRuntime } from './own-process.js';
import { TestAppError } from './poll.js';

/** What a test runs: a synthesized cloud assembly, or a CDK `App` synthesized here (anything with `synth()` returning the assembly's folder). */
export type AppSource = { readonly cdkOut: string } | { readonly app: { synth(): { readonly directory: string } } };

export interface StartOptions {
  /** The runtime's own output (functions' logs, events). @default kept, not printed: `TestApp.logs()` has them */
  readonly log?: (line: string) => void;
  /** Template parameters, as `cdk deploy --parameters` takes them (`[Stack:]Name`). @default - each parameter's own Default */
  readonly parameters?: Readonly<Record<string, string>>;
  /** The seed of the faults' random draws (`failFunction` with a probability): the same seed fails the same invocations. @default 1 */
  readonly seed?: number;
  /**
   * The runtime keeps time on a clock the test moves (`advance`, `runUntilIdle`): Step
   * Functions' Wait states, task timeouts and heartbeats and Retry backoff, SQS delays,
   * visibility timeouts and retention, scheduled rules and schedules (each firing in turn),
   * delivery retries and durable waits fall due when the test says, not in real time (items
   * past their time to live go at the next sweep, every 30 s of real time). Functions' own
   * code keeps real time (`Date.now()` in a handler is not moved), and the clock never moves
   * past a call still running (see `TestApp.advance`).
   * @default false
   */
  readonly virtualTime?: boolean;
  /**
   * What a request the app's IAM policies do not allow does: `enforce` refuses it as AWS
   * does (the SDK's AccessDenied, a rule's event dead-lettered as NO_PERMISSIONS, a task
   * failing with the service's exception), `warn` lets it run and records it
   * (`TestApp.iamReport()`), `off` evaluates nothing.
   * @default process.env.SWITCHYARD_IAM, else 'warn'
   */
  readonly iam?: 'off' | 'warn' | 'enforce';
  /**
   * Whether SES runs in its sandbox, as a new AWS account's does: mail goes only to verified
   * identities and the mailbox simulator, 200 a day. `false` is production access.
   * @default process.env.SWITCHYARD_SES_SANDBOX (on or off), else true
   */
  readonly sesSandbox?: boolean;
  /**
   * The runtime runs in a child process of its own, so that `crash()` can end it with SIGKILL
   * at any moment, as a machine's crash would. Its lines are in `logs()` all the same.
   * `failFunction`, `virtualTime` and `iamReport()` act on a runtime in the test's process,
   * so they refuse such an app.
   * @default false
   */
  readonly ownProcess?: boolean;
}

/**
 * The data folders of the test runtimes not stopped yet: removed when the process exits, so
 * a test that never called `stop()` leaves none behind (the port goes with the process).
 */
const unstopped = new Set<string>();
process.once('exit', () => {
  for (const dir of unstopped) rmSync(dir, { recursive: true, force: true });
});

/**
 * A local runtime owned by one test: its data folder (under the system's temporary folder)
 * and its port (any free one) are its own, and `stop()` frees both. `restart()` stops it and
 * starts it again on the same data folder and port, as a new process on the same data would.
 */
export class RunningApp {
  #runtime: AppRuntime | undefined;
  #clients: TestClients;
  #stopped = false;
  readonly #lines: string[];
  /** The faults injected into the functions: one object for every start, so a restart keeps them. @internal */
  readonly faults: InvocationFaults;
  /** The runtime's clock when the test keeps time (`virtualTime`); kept across restarts. @internal */
  readonly clock: AdvanceableClock | undefined;

  private constructor(
    runtime: AppRuntime,
    readonly cdkOut: string,
    readonly dataDir: string,
    private readonly options: StartOptions & { clock?: AdvanceableClock },
    faults: InvocationFaults,
    lines: string[],
  ) {
    this.faults = faults;
    this.clock = options.clock;
    this.#lines = lines;
    this.#runtime = runtime;
    this.#clients = testClients(runtime.url);
  }

  /** @internal */
  static async start(source: AppSource, options: StartOptions = {}): Promise<RunningApp> {
    const cdkOut = 'cdkOut' in source ? path.resolve(source.cdkOut) : source.app.synth().directory;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchyard-test-'));
    unstopped.add(dataDir);
    const lines: string[] = [];
    const faults = new InvocationFaults(options.seed);
    if (options.ownProcess && options.virtualTime)
      throw new TestAppError('virtualTime moves the clock of a runtime in the test process: it cannot be used with ownProcess');
    const clock = options.virtualTime ? new AdvanceableClock() : undefined;
    try {
      const runtime = await RunningApp.#launch(cdkOut, dataDir, 0, { ...options, faults, ...(clock ? { clock } : {}) }, lines);
      return new RunningApp(runtime, cdkOut, dataDir, { ...options, ...(clock ? { clock } : {}) }, faults, lines);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      unstopped.delete(dataDir);
      throw error;
    }
  }

  static #launch(
    cdkOut: string,
    dataDir: string,
    port: number,
    options: StartOptions & { faults: InvocationFaults; clock?: AdvanceableClock },
    lines: string[],
  ): Promise<AppRuntime> {
    const iam = options.iam ?? iamModeOf(undefined, { SWITCHYARD_IAM: process.env.SWITCHYARD_IAM || 'warn' });
    const log = (line: string) => {
      lines.push(line);
      options.log?.(line);
    };
    const parameters = {
      ...(options.parameters ? { parameters: options.parameters } : {}),
      ...(options.sesSandbox === undefined ? {} : { sesSandbox: options.sesSandbox }),
    };
    if (options.ownProcess) return OwnProcessRuntime.start({ cdkOut, dataDir, port, iam, ...parameters }, log);
    return LocalRuntime.start({
      cdkOut,
      dataDir,
      // Its own temporary folder, removed at stop().
      dataFolderKind: 'disposable',
      port,
      faults: options.faults,
      ...(options.clock ? { clock: options.clock, statesClock: options.clock } : {}),
      ...parameters,
      iam,
      log,
    });
  }

  /** The runtime's endpoint (`http://127.0.0.1:<port>`): every service's, as AWS_ENDPOINT_URL takes it. */
  get endpoint(): string {
    return this.runtime.url;
  }

  /** SDK v3 clients for the endpoint. */
  get clients(): TestClients {
    if (this.#stopped) throw new TestAppError('the test runtime is stopped: its clients are closed');
    return this.#clients;
  }

  /** The runtime itself: for the testing API's own modules. @internal */
  get runtime(): AppRuntime {
    if (this.#runtime === undefined)
      throw new TestAppError(this.#stopped ? 'the test runtime is stopped' : 'the test runtime is restarting');
    return this.#runtime;
  }

  /** What the runtime printed so far (functions' logs, deliveries), one line each. */
  logs(): readonly string[] {
    return this.#lines;
  }

  /**
   * Stops the runtime and starts it again on the same data folder and port, as a new
   * process on the same data would: what was accepted is kept (messages, executions, items,
   * the outbox), and what was under way carries on from there. The stop is the runtime's own
   * clean stop; `crash()` is the other kind.
   */
  async restart(): Promise<void> {
    const runtime = this.runtime;
    this.#runtime = undefined;
    await runtime.stop();
    await this.#relaunch(runtime);
  }

  /**
   * Ends the runtime's process with SIGKILL now, wherever it is (in a handler, between an
   * effect and its record, in a write), and starts it again on the same data folder and
   * port: what the runtime had accepted must carry on, what it had not written is lost.
   * Needs `ownProcess: true`.
   */
  async crash(): Promise<void> {
    const runtime = this.runtime;
    if (!(runtime instanceof OwnProcessRuntime))
      throw new TestAppError("crash() kills the runtime's process: start the app with startApp(app, { ownProcess: true })");
    this.#runtime = undefined;
    await runtime.kill();
    await this.#relaunch(runtime);
  }

  /** The runtime of the test's process, for what acts on it there (faults, IAM's report); `what` says which. @internal */
  inProcess(what: string): LocalRuntime {
    const runtime = this.runtime;
    if (!(runtime instanceof LocalRuntime))
      throw new TestAppError(`${what} acts on a runtime in the test's process: this app was started with ownProcess: true`);
    return runtime;
  }

  async #relaunch(previous: AppRuntime): Promise<void> {
    const port = Number(new URL(previous.url).port);
    this.#runtime = await RunningApp.#launch(this.cdkOut, this.dataDir, port, { ...this.options, faults: this.faults }, this.#lines);
  }

  /** Stops the runtime, closes the clients and removes the data folder; safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const runtime = this.#runtime;
    this.#runtime = undefined;
    try {
      destroyClients(this.#clients);
      await runtime?.stop();
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
      unstopped.delete(this.dataDir);
    }
  }

  /** `await using app = await startApp(...)` stops it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

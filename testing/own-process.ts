import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpApiUrl } from '../local/apigateway/http-api-service.js';
import type { IamMode } from '../local/iam/iam-check.js';
import type { ServiceDefinitions } from '../local/service-registry/service-definitions.js';
import { TestAppError } from './poll.js';

/** What the testing API reads of the app's definitions (the waits', `send`'s and the faults' names). */
export type AppDefinitions = Pick<ServiceDefinitions, 'tables' | 'functions' | 'stateMachines' | 'buses' | 'rules' | 'queues'>;

/** A test runtime as the testing API uses it, in this process (LocalRuntime) or in its own. */
export interface AppRuntime {
  readonly url: string;
  readonly definitions: AppDefinitions;
  readonly httpApiUrls: readonly HttpApiUrl[];
  stop(): Promise<void>;
}

/** How own-process-main.ts starts the runtime (its first argument, as JSON). */
export interface OwnProcessSettings {
  readonly cdkOut: string;
  readonly dataDir: string;
  readonly port: number;
  readonly iam: IamMode;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly sesSandbox?: boolean;
}

/** What own-process-main.ts sends once its runtime listens. */
export interface OwnProcessReady {
  readonly url: string;
  readonly httpApiUrls: readonly HttpApiUrl[];
  readonly definitions: AppDefinitions;
}

/** A start on a loaded 2-core machine (two runtimes side by side, each restarting) has taken over 30 s. */
const START_TIMEOUT_MS = 180_000;

/** The processes not stopped yet: killed when this process exits, so none outlives the test. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The entry and the Node options that run it: the compiled `.js` beside this file in the
 * package, or, in the repository's own tests (TypeScript sources), the `.ts` through tsx.
 */
function entry(): { file: string; execArgv: string[]; cwd: string } {
  const self = fileURLToPath(import.meta.url);
  const source = self.endsWith('.ts');
  const file = path.join(path.dirname(self), `own-process-main.${source ? 'ts' : 'js'}`);
  // `--import tsx` keeps it one process (the tsx command would start a child a SIGKILL misses).
  return source
    ? { file, execArgv: ['--import', 'tsx'], cwd: path.dirname(path.dirname(self)) }
    : { file, execArgv: [], cwd: process.cwd() };
}

/**
 * A local runtime in a child process of its own, which `kill()` ends with SIGKILL wherever
 * it is: what the runtime had not written is lost, as in a crash. Its lines go to `log`.
 */
export class OwnProcessRuntime implements AppRuntime {
  private constructor(
    readonly child: ChildProcess,
    private readonly ready: OwnProcessReady,
  ) {}

  static async start(settings: OwnProcessSettings, log: (line: string) => void): Promise<OwnProcessRuntime> {
    const { file, execArgv, cwd } = entry();
    const child = fork(file, [JSON.stringify(settings)], {
      cwd,
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          tail.push(line);
          if (tail.length > 40) tail.shift();
          log(line);
        }
      });
    }
    const ready = await new Promise<OwnProcessReady>((resolve, reject) => {
      const failed = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new TestAppError(`the test runtime's process ${why}; its last lines:\n${tail.join('\n')}`));
      };
      const timer = setTimeout(() => failed(`did not start in ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
      child.once('message', (message) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => running.delete(child));
        resolve(message as OwnProcessReady);
      });
      child.once('exit', (code, signal) => failed(`exited before it listened (${signal ?? `code ${code}`})`));
    });
    return new OwnProcessRuntime(child, ready);
  }

  get url(): string {
    return this.ready.url;
  }

  get definitions(): AppDefinitions {
    return this.ready.definitions;
  }

  get httpApiUrls(): readonly HttpApiUrl[] {
    return this.ready.httpApiUrls;
  }

  /** Ends the process with SIGKILL at once and resolves when it is gone. */
  async kill(): Promise<void> {
    await this.#ended('SIGKILL');
  }

  /** The runtime's clean stop (SIGTERM), as a stop in this process would be. */
  async stop(): Promise<void> {
    await this.#ended('SIGTERM');
  }

  #ended(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    return exited;
  }
}

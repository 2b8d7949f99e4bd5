import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { credentials, region } from '../local/helpers.js';

const root = path.join(import.meta.dirname, '../..');
/** A start on a loaded 2-core machine (two runs side by side, each restarting) took over 30 s. */
const START_TIMEOUT_MS = 180_000;

/** The chaos suite's ports, apart from the ones other suites take (port 0: any). */
const PORTS = { from: 4700, to: 4799 };

/** A port from the suite's range that nothing listens on now (tried in a random order, so two runs side by side rarely collide). */
export async function chaosPort(random: () => number = Math.random): Promise<number> {
  const span = PORTS.to - PORTS.from + 1;
  const start = Math.floor(random() * span);
  for (let i = 0; i < span; i++) {
    const port = PORTS.from + ((start + i) % span);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port from ${PORTS.from} to ${PORTS.to}`);
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The local runtime as a child process the suite kills with SIGKILL and starts again on the
 * same data folder and port. Every call the suite makes to it passes through `call`, and a
 * kill waits for the calls under way to finish first: the suite never has to guess whether a
 * PutEvents cut off by the kill was accepted (a poison event sent twice would be counted as
 * dead-lettered twice). The kill still lands at a random moment for everything the runtime
 * itself is doing: handlers, executions, deliveries.
 */
export class ChaosRuntime {
  #current: ChildProcess | undefined;
  /** What each process printed (stdout and stderr), one entry per start. */
  readonly #outputs: string[] = [];
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #paused: Promise<void> | undefined;
  /** When each SIGKILL was sent (epoch ms), in order. */
  readonly killedAt: number[] = [];

  constructor(
    readonly cdkOut: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  /** SDK client settings for the runtime's endpoint. */
  get config() {
    return { endpoint: `http://127.0.0.1:${this.port}`, region, credentials };
  }

  /** Starts `local/main.ts` (one process: `--import tsx`, so a SIGKILL leaves no child behind) and resolves once it listens. */
  async start(): Promise<void> {
    // Under IAM enforce: a request the app's grants do not allow would fail as on AWS, and the run would count what it lost.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/main.ts',
        '--no-synth',
        '--cdk-out',
        this.cdkOut,
        '--data',
        this.dataDir,
        '--port',
        String(this.port),
        '--iam',
        'enforce',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#current = child;
    const life = this.#outputs.push('') - 1;
    const append = (chunk: Buffer) => {
      this.#outputs[life] += chunk.toString();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`runtime did not start in ${START_TIMEOUT_MS / 1000} s:\n${this.tail()}`)),
        START_TIMEOUT_MS,
      );
      const listening = () => {
        if (!this.#outputs[life]?.includes('listening on')) return;
        clearTimeout(timer);
        child.stdout?.off('data', listening);
        resolve();
      };
      child.stdout?.on('data', listening);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`runtime exited with ${code}:\n${this.tail()}`));
      });
    });
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

  /** SIGKILL once the suite's own calls are answered, then a start on the same data folder. */
  async killAndRestart(): Promise<void> {
    let resume: () => void = () => undefined;
    this.#paused = new Promise((resolve) => {
      resume = resolve;
    });
    try {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = undefined;
      const child = this.#current;
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        this.killedAt.push(Date.now());
        child.kill('SIGKILL');
        await exited;
      }
      await this.start();
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

  /** Writes what each life printed beside the data folder (runtime-<life>.log); resolves with the paths. */
  saveOutputs(): string[] {
    return this.#outputs.map((output, life) => {
      const file = path.join(this.dataDir, `runtime-${life}.log`);
      writeFileSync(file, output);
      return file;
    });
  }

  stop(): void {
    this.#current?.kill('SIGKILL');
  }
}

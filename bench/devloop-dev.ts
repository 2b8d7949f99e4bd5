/**
 * `switchyard dev` as `npm run bench:devloop` drives it: a process group of its own (killed
 * whole, even when the benchmark fails or is interrupted), watched from outside through its
 * endpoint with the AWS SDK only. See bench/devloop.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { start } from '../test/package/helpers.js';
import { type DevloopApp, type EditTarget, PROBE_EVENT, type ProbeAnswer } from './devloop-apps.js';

type Started = ReturnType<typeof start>;

/** dev's line once a handler edit is rebuilt in place and its functions run it (cli/dev/server.ts, reportRebuilt). */
const REBUILT_LINE = /: rebuilt .+ no synthesis: .+ runs? it from the next invocation/;

/** Every dev process group still running, for the exit handler. */
const running = new Set<Started>();
let exitHandlerInstalled = false;

/**
 * Kills every dev process group left when this process exits, however it exits; on Ctrl-C or
 * SIGTERM, runs `cleanUp` (the work folder) first. Installed once.
 */
export function killDevOnExit(cleanUp: () => void): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', () => {
    for (const dev of running) dev.kill();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const dev of running) dev.kill();
      console.error(`bench:devloop: ${signal}: switchyard dev killed; cleaning up`);
      cleanUp();
      process.exit(130);
    });
  }
}

/** How long one wait (ready, an edit in effect, a stop) may take before the benchmark fails saying what it waited for. */
export interface Limits {
  readonly timeoutMs: number;
}

/** `switchyard dev` started in the app's folder, as a user starts it, and the AWS SDK pointed at its endpoint. */
export class DevSession {
  private readonly process: Started;
  private readonly lambda: LambdaClient;
  /** performance.now() when the process was spawned. */
  readonly spawnedAt: number;
  private readonly functionNames = new Map<EditTarget, string>();

  constructor(
    private readonly app: DevloopApp,
    readonly endpoint: string,
    env: NodeJS.ProcessEnv,
    private readonly limits: Limits,
  ) {
    const port = new URL(endpoint).port;
    this.spawnedAt = performance.now();
    this.process = start(app.dev.command, [...app.dev.args, '--port', port], app.folder, env);
    running.add(this.process);
    this.lambda = new LambdaClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // One attempt: a refusal or an error is an answer the benchmark polls past, not one the SDK should retry.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: limits.timeoutMs },
    });
  }

  /**
   * Waits until the endpoint answers and the runtime runs the app: ListFunctions names every
   * target's function. Returns the milliseconds since the spawn.
   */
  async ready(): Promise<number> {
    await this.poll('switchyard dev to answer with the app loaded (ListFunctions naming every function the benchmark edits)', async () => {
      const names = await this.listFunctions();
      for (const target of this.app.targets) {
        const name = names.find((candidate) => target.functionName.test(candidate));
        if (name === undefined) return false;
        this.functionNames.set(target, name);
      }
      return true;
    });
    return performance.now() - this.spawnedAt;
  }

  /**
   * Waits until dev says it watches the sources ("watching <folder> for changes ...", the last
   * line of its start). Its endpoint answers before its watcher runs, and a file saved before
   * then is never reloaded, so the first edit waits for this line (untimed).
   */
  async watching(): Promise<void> {
    await this.poll(
      'switchyard dev to print "watching <folder> for changes" (if its wording changed, update bench/devloop-dev.ts)',
      async () => /^watching .+ for changes/m.test(this.process.output()),
    );
  }

  /** How much dev has printed so far: where `rebuilt` starts reading. */
  printed(): number {
    return this.process.output().length;
  }

  /**
   * Waits until dev prints, after the first `from` characters of its output, that a rebuilt
   * handler runs from the next invocation (its output read every 20 ms): the moment a user
   * with nothing in flight would send the next event.
   */
  async rebuilt(from: number): Promise<void> {
    await this.poll(
      'switchyard dev to print "<what>: rebuilt <entry> in <n> ms, no synthesis: <function> runs it from the next invocation" (if its wording changed, update bench/devloop-dev.ts)',
      async () => REBUILT_LINE.test(this.process.output().slice(from)),
      20,
    );
  }

  /** One Invoke of the target's function with the probe's event: its answer and the call's wall time. */
  async invoke(target: EditTarget): Promise<{ answer: ProbeAnswer; ms: number }> {
    const name = this.functionNames.get(target);
    if (name === undefined) throw new Error('bench:devloop: invoke before ready()');
    const started = performance.now();
    const response = await this.lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(PROBE_EVENT) }));
    const ms = performance.now() - started;
    const payload = new TextDecoder().decode(response.Payload);
    if (response.FunctionError !== undefined) throw new Error(`${name} failed (${response.FunctionError}): ${payload}`);
    return { answer: JSON.parse(payload) as ProbeAnswer, ms };
  }

  /**
   * Invokes the target's function until its answer passes `shows` (the edit is in effect),
   * from `since` (performance.now() at the edit's write). Returns the milliseconds from `since`
   * to that invocation's answer, and that invocation's own wall time.
   */
  async until(what: string, target: EditTarget, since: number, shows: (answer: ProbeAnswer) => boolean) {
    let first: { ms: number } | undefined;
    await this.poll(what, async () => {
      const result = await this.invoke(target);
      if (!shows(result.answer)) return false;
      first = result;
      return true;
    });
    if (first === undefined) throw new Error('bench:devloop: unreachable');
    return { ms: performance.now() - since, invocationMs: first.ms };
  }

  /**
   * Waits until dev's processes are idle: under a second of their CPU time per 10 s of wall time
   * (clock ticks read from /proc), as after an edit once its type check has ended. A command is
   * timed then, so that its figure is the command's own, not the share of two cores a
   * background `tsc` left it. Returns how long it waited; gives up (and says so) after 30 s.
   */
  async settled(): Promise<number> {
    const started = performance.now();
    const window = 500;
    let before = groupCpuTicks(this.process.pid);
    while (performance.now() - started < 30_000) {
      await sleep(window);
      const now = groupCpuTicks(this.process.pid);
      // Ticks are 10 ms: at most 5 ticks of CPU in a 500 ms window is under 10% of one core.
      if (now - before <= 5) return performance.now() - started;
      before = now;
    }
    console.log('bench:devloop: dev still busy after 30 s; commands timed anyway');
    return performance.now() - started;
  }

  /** Stops it as Ctrl-C does (SIGINT to its process group), and waits until every process of the group is gone. */
  async stop(): Promise<void> {
    this.lambda.destroy();
    await this.process.stop();
    const deadline = performance.now() + this.limits.timeoutMs;
    while (groupAlive(this.process.pid)) {
      if (performance.now() > deadline) this.process.kill();
      await sleep(50);
    }
    running.delete(this.process);
  }

  /** The end of what dev printed, without the probe's START/END/REPORT lines (for a failure's message). */
  outputTail(lines = 40): string {
    return this.process
      .output()
      .split('\n')
      .filter((line) => !/RequestId: /.test(line))
      .slice(-lines)
      .join('\n');
  }

  private async listFunctions(): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.lambda.send(new ListFunctionsCommand({ Marker: marker }));
      names.push(...(page.Functions ?? []).map((fn) => fn.FunctionName ?? ''));
      marker = page.NextMarker;
    } while (marker !== undefined);
    return names;
  }

  /** Polls `probe` every `everyMs` until it returns true; an error is a "not yet", kept for the timeout's message. */
  private async poll(what: string, probe: () => Promise<boolean>, everyMs = 50): Promise<void> {
    const deadline = performance.now() + this.limits.timeoutMs;
    let lastError: unknown;
    for (;;) {
      if (this.process.exited()) throw new Error(`bench:devloop: switchyard dev exited while waiting for ${what}:\n${this.outputTail()}`);
      try {
        if (await probe()) return;
      } catch (error) {
        lastError = error;
      }
      if (performance.now() > deadline) {
        const last = lastError === undefined ? '' : ` (last error: ${String(lastError)})`;
        throw new Error(
          `bench:devloop: timed out after ${this.limits.timeoutMs} ms waiting for ${what}${last}; dev printed:\n${this.outputTail()}`,
        );
      }
      await sleep(everyMs);
    }
  }
}

/** The user and system clock ticks of every process in `pid`'s process group (Linux /proc; 0 elsewhere). */
function groupCpuTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process ended meanwhile
    }
    // After the command's name in parentheses: state ppid pgrp ... utime (14th field) stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

function groupAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

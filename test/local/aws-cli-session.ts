import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Runs each command it reads (a JSON line: the arguments, and variables to set in the
 * environment for that command alone) through a new CLI driver, as
 * `aws` would, with stdout and stderr captured, and answers with a JSON line. Starting Python
 * and the CLI and loading a service's model take one to three seconds of CPU per `aws` run;
 * here only the first command pays them. Each command has a driver and a botocore session of
 * its own (their event handlers carry a command's options, --cli-binary-format say, which
 * must not reach the next one); they share the loader of the service models, which holds
 * nothing but the parsed JSON of the CLI's data files.
 */
const DRIVER = String.raw`
import io, json, os, sys, traceback
import awscli.clidriver
replies = sys.stdout
loader = None
for line in sys.stdin:
    request = json.loads(line)
    args, env = request['args'], request['env']
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    out = io.TextIOWrapper(io.BytesIO(), encoding='utf-8', newline='')
    err = io.TextIOWrapper(io.BytesIO(), encoding='utf-8', newline='')
    sys.stdout, sys.stderr = out, err
    try:
        driver = awscli.clidriver.create_clidriver()
        if loader is None:
            loader = driver.session.get_component('data_loader')
        else:
            driver.session.register_component('data_loader', loader)
        code = driver.main(args)
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 255
    finally:
        sys.stdout, sys.stderr = replies, sys.__stderr__
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    out.flush()
    err.flush()
    reply = {'code': code, 'stdout': out.buffer.getvalue().decode('utf-8', 'replace'), 'stderr': err.buffer.getvalue().decode('utf-8', 'replace')}
    replies.write(json.dumps(reply) + '\n')
    replies.flush()
`;

export interface AwsCliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI command that exited with an error; `stderr` is the CLI's message, as execFile's errors carry it. */
export class AwsCliError extends Error {
  override readonly name = 'AwsCliError';
  constructor(
    readonly args: readonly string[],
    readonly code: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`aws ${args.join(' ')} exited with ${code}: ${stderr.trim()}`);
  }
}

/** The session's Python process ended or could not start: what it printed is the cause. */
export class AwsCliSessionError extends Error {
  override readonly name = 'AwsCliSessionError';
}

/**
 * The Python that runs `command` (a path, or a name on PATH): its shebang's, or for a pyenv shim (a shell script) the
 * interpreter of the script pyenv resolves it to.
 */
function pythonOf(command: string): string {
  const binary = command.includes(path.sep) ? command : onPath(command);
  const shebang = (file: string) => /^#!\s*(\S+)/.exec(readFileSync(file, 'utf8').split('\n', 1)[0] ?? '')?.[1] ?? '';
  const own = shebang(binary);
  if (/python[0-9.]*$/.test(own)) return own;
  const script = execFileSync('pyenv', ['which', path.basename(binary)], { encoding: 'utf8' }).trim();
  const resolved = shebang(script);
  if (!/python[0-9.]*$/.test(resolved)) throw new AwsCliSessionError(`${binary} is not a Python script nor a pyenv shim of one`);
  return resolved;
}

/** The first `name` on PATH, as a shell finds it. */
function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  throw new AwsCliSessionError(`${name} is not on PATH`);
}

/**
 * One long-lived AWS CLI (v1 or v2) that runs commands one after another, each as `aws`
 * with those arguments would: the same argument parsing, request serialization, response
 * parsing, output and exit code, without a process start apiece. The process does not keep
 * the test worker alive, and ends with it.
 */
export class AwsCliSession {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve: (result: AwsCliResult) => void; reject: (error: Error) => void }[] = [];
  #printed = '';
  #ended: Error | undefined;

  constructor(binary: string, env: NodeJS.ProcessEnv) {
    this.#child = spawn(pythonOf(binary), ['-c', DRIVER], { env, stdio: 'pipe' });
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#printed = (this.#printed + chunk).slice(-4000);
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const waiter = this.#waiting.shift();
      if (waiter === undefined) return;
      waiter.resolve(JSON.parse(line) as AwsCliResult);
      this.#hold();
    });
    const end = (cause?: Error) => {
      this.#ended ??= new AwsCliSessionError(`the AWS CLI session (${binary}) ended: ${this.#printed.trim()}`, { cause });
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#ended);
    };
    this.#child.on('error', end);
    this.#child.on('exit', () => end());
    process.once('exit', () => this.#child.kill());
    this.#hold();
  }

  /** Runs `aws <args>`; rejects with AwsCliError when it exits with an error. */
  async run(args: readonly string[], env: Record<string, string> = {}): Promise<AwsCliResult> {
    const result = await this.exit(args, env);
    if (result.code !== 0) throw new AwsCliError(args, result.code, result.stdout, result.stderr);
    return result;
  }

  /** Runs `aws <args>` with `env` added to the session's environment; resolves with its exit code and output, also when it fails. */
  async exit(args: readonly string[], env: Record<string, string> = {}): Promise<AwsCliResult> {
    if (this.#ended) throw this.#ended;
    return new Promise<AwsCliResult>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#hold();
      this.#child.stdin.write(`${JSON.stringify({ args, env })}\n`);
    });
  }

  close(): void {
    this.#child.stdin.end();
  }

  /** Keeps the worker's event loop alive only while a command is under way. */
  #hold(): void {
    const busy = this.#waiting.length > 0;
    // A child's pipes are sockets (stdio 'pipe'), which the stream types do not say.
    const pipes = [this.#child.stdout, this.#child.stderr, this.#child.stdin] as unknown as Socket[];
    for (const handle of [this.#child, ...pipes]) {
      if (busy) handle.ref();
      else handle.unref();
    }
  }
}

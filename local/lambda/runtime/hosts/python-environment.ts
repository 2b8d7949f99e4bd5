import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { logRecord } from './console-format.mjs';
import type { EnvironmentHost, HostStart } from './environment-host.js';
import { execFailureStatus, execWrapperPath } from './exec-wrapper.js';
import { readLines } from './line-reader.js';
import { localPython } from './python-interpreter.js';

/** The bootstrap each Python environment runs (the runtime interface client's part). */
const BOOTSTRAP = path.join(import.meta.dirname, 'python-bootstrap.py');
/** The file descriptor the bootstrap and the runtime speak on (JSON lines both ways); 0-2 are the function's own. */
const CHANNEL_FD = 3;

/**
 * A Python function's execution environment: a `python3` child process running
 * python-bootstrap.py, which loads the handler from the task root and its layers and runs one
 * invocation at a time. It speaks the worker threads' messages (EnvironmentHost) as JSON lines
 * on file descriptor 3, so the pool and FunctionRuntime drive it as they drive a Node.js one.
 */
class PythonHost extends EventEmitter implements EnvironmentHost {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Its event and answer cross a socket, which the function's timeout does not count (python-bootstrap.py's `started`, `returned`). */
  readonly reportsHandlerTime = true;
  readonly #child: ChildProcess;
  readonly #channel: Socket;
  readonly #exited: Promise<void>;

  /** `wrapped`: started through an AWS_LAMBDA_EXEC_WRAPPER script, whose failure to start is the runtime's exit. */
  constructor(child: ChildProcess, wrapped = false) {
    super();
    this.#child = child;
    const [, stdout, stderr, channel] = child.stdio as unknown as [unknown, Readable, Readable, Socket];
    this.stdout = stdout;
    this.stderr = stderr;
    this.#channel = channel;
    // A process that could not be started never exits: its error ends it.
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    // The environment never keeps the runtime running, as a worker thread does not (Worker.unref).
    child.unref();
    for (const stream of [stdout, stderr, channel]) (stream as Socket).unref?.();
    // A wrapper script that cannot be started ends the runtime as a shell's exec would (exec-wrapper.ts).
    child.once('error', (error) => (wrapped ? this.emit('exit', execFailureStatus(error)) : this.emit('error', error)));
    // Lambda names how the runtime ended: its exit status, or the signal that stopped it.
    child.once('exit', (code, signal) => this.emit('exit', code ?? `signal: ${signal}`));
    this.#readMessages();
  }

  postMessage(message: unknown): void {
    // A message to an environment that has ended is lost, as one posted to an ended worker is: its `exit` answers.
    if (this.#channel.writable) this.#channel.write(`${JSON.stringify(message)}\n`);
  }

  async terminate(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  #readMessages(): void {
    readLines(this.#channel, (line) => {
      const message = JSON.parse(line) as { logLines?: string[] | null; payload?: string; payloadBytes?: number };
      // The bootstrap writes lines as Lambda's runtime writes stdout; they are read back into records here, as the workers' are.
      if (Array.isArray(message.logLines)) message.logLines = message.logLines.map(logRecord);
      else delete message.logLines;
      if (message.payloadBytes === undefined) {
        this.emit('message', message);
        return undefined;
      }
      // A result's payload (JSON already, or the text of the bytes a handler returned) follows its line as it is.
      return {
        rawBytes: message.payloadBytes,
        take: (raw: Buffer) => {
          delete message.payloadBytes;
          message.payload = raw.toString('utf8');
          this.emit('message', message);
        },
      };
    });
    // A channel error is the process ending under it: its `exit` reports that.
    this.#channel.on('error', () => {});
  }
}

/** Starts a Python environment for the function (its interpreter: localPython; FunctionRuntime refuses the function without one). */
export function startPythonHost({ settings, environment }: HostStart): EnvironmentHost {
  const { definition } = settings;
  const python = localPython();
  const init = {
    taskRoot: definition.codePath,
    handler: definition.handler,
    runtime: definition.runtime,
    layerRoots: settings.sdk.layerRoots ?? definition.layers ?? [],
    hiddenModules: settings.sdk.hiddenModules ?? [],
    invokedFunctionArn: definition.arn,
    logging: settings.logging,
    channelFd: CHANNEL_FD,
  };
  const command = [python?.executable ?? localPython.command(), '-X', 'utf8', BOOTSTRAP, JSON.stringify(init)];
  // Under AWS_LAMBDA_EXEC_WRAPPER the wrapper starts, with the runtime's command line as its arguments (exec-wrapper.ts).
  const wrapper = execWrapperPath(environment, definition.codePath, init.layerRoots);
  const [file, ...args] = wrapper === undefined ? command : [wrapper, ...command];
  const child = spawn(file as string, args, {
    cwd: definition.codePath,
    env: {
      // The process runs in the code's folder, as Lambda's runtime starts in /var/task.
      PWD: definition.codePath,
      // Operations whose host takes a prefix (StartSyncExecution's `sync-`) reach the local endpoint as it is
      // (what endpoint-host-prefix.mjs does for Node.js), unless the function says otherwise.
      AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    // A process group of its own: a terminal's Ctrl-C goes to its foreground group, which would otherwise be
    // this process's too, and the interpreter would print a KeyboardInterrupt traceback while the runtime
    // stops. The runtime ends it (terminate), and it ends itself when the runtime is gone (python-bootstrap.py).
    detached: true,
  });
  return new PythonHost(child, wrapper !== undefined);
}

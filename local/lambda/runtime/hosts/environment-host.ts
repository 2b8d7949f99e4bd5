import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { FunctionDefinition } from '../../core/function-definition.js';
import type { LoggingConfig } from '../invocation-logs.js';

/** What a new execution environment runs: the function's code and settings as they are when it starts. */
export interface EnvironmentSettings {
  readonly definition: FunctionDefinition;
  readonly environment: Readonly<Record<string, string>>;
  readonly logging: LoggingConfig;
  /** Where the function's console lines go (the log sink, under the function's name). */
  readonly log: (line: string) => void;
  /**
   * What stands in for the managed runtime's /var/runtime/node_modules: the folders whose
   * node_modules hold the AWS SDK, first first, and the SDK packages that could not be had
   * locally, with why (RuntimeSdk.forWorker).
   */
  readonly sdk: {
    readonly roots: readonly string[];
    readonly unavailable: Readonly<Record<string, string>>;
    /** The function's layer folders, its public layers' among them, in its `Layers` order. @default its app layers' */
    readonly layerRoots?: readonly string[];
    /** What its public layers add to its environment (the extension's port when its own was taken). */
    readonly environment?: Readonly<Record<string, string>>;
    /** Python modules a public layer holds at another release than the machine's: a Python function does not find them. */
    readonly hiddenModules?: readonly string[];
  };
}

/**
 * What an execution environment's code runs in: a worker thread for Node.js (worker.mjs), a
 * child process for Python (python-environment.ts). Both speak the same messages: `ready` or
 * `init-error` once, then one `result` or `error` for each `invoke`; `exit` when it ends.
 */
export interface EnvironmentHost extends EventEmitter {
  /**
   * The host says when the handler starts and when its answer is ready (a `started` and a
   * `returned` message before the `result` or `error`): the function's timeout counts only
   * between the two (invocation-timeout.ts), not the host's moving of the event and the answer.
   */
  readonly reportsHandlerTime?: boolean;
  postMessage(message: unknown): void;
  terminate(): Promise<unknown>;
  readonly stdout: Readable;
  readonly stderr: Readable;
}

/** What a new environment's host is started with. */
export interface HostStart {
  readonly settings: EnvironmentSettings;
  readonly version: string;
  readonly logStreamName: string;
  /** Its environment variables: the function's, and the ones Lambda sets for each environment. */
  readonly environment: Readonly<Record<string, string>>;
}

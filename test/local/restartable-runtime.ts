import { rmSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import type { RuntimeOptions } from '../../local/service-registry/service-module.js';
import { credentials, disposableData, region } from './helpers.js';

/** What a suite talks to the runtime with: clients it destroys before the runtime stops (the AWS SDK's). */
type Clients = Readonly<Record<string, { destroy(): void }>>;

/** The suite's runtime as it runs now (a restart makes another), its clients of it, and what it was started from. */
export type RestartableRuntime<C extends Clients> = {
  readonly runtime: LocalRuntime;
  readonly cdkOut: string;
  readonly dataDir: string;
  /**
   * Stops the runtime and starts another on the same assembly and data folder: what survives a
   * restart is what the folder kept. `whileStopped` runs between the two (a clock moved on while
   * no runtime runs, the assembly written again).
   */
  restart(whileStopped?: () => void | Promise<void>): Promise<void>;
} & C;

/** The endpoint and signing of an AWS SDK client of the runtime at `url`: `new KinesisClient(sdkConfig(url))`. */
export function sdkConfig(url: string) {
  return { endpoint: url, region, credentials };
}

/** The endpoint of `runtime` and the credentials of a session of the role `roleArn` in it (IAM enforced): a client that calls as that role. */
export function roleConfig(runtime: LocalRuntime, roleArn: string, session: string) {
  return { ...sdkConfig(runtime.url), credentials: runtime.iam.principals.credentialsFor(roleArn, session) };
}

/** An S3 client of the runtime at `url`: buckets in the path, as the runtime serves them (no bucket host names). */
export function s3Client(url: string): S3Client {
  return new S3Client({ ...sdkConfig(url), forcePathStyle: true });
}

/**
 * One runtime for a suite: started before its tests on the assembly `assembly()` writes and a
 * fresh data folder, with the clients `clients` makes of it; stopped (its clients
 * destroyed first) after them, and its data folder removed (the assembly's too if
 * `ownsAssembly`); `restart` stops and starts it again on the same folder. The runtime and
 * clients are read from the returned object, which follows each restart.
 */
export function restartableRuntime<C extends Clients = Record<never, never>>(setup: {
  readonly assembly: () => string | Promise<string>;
  /**
   * `assembly` writes a folder of the suite's own (tempAssemblyDir, assemblyOf), removed after
   * the suite; a fixture's assembly that other suites read too (consumerFixture) is not.
   * @default false
   */
  readonly ownsAssembly?: boolean;
  /** The runtime's options beside the assembly, data folder and port (quiet logs by default). */
  readonly options?: Omit<Partial<RuntimeOptions>, 'cdkOut' | 'dataDir'>;
  /** Its clients, made of each runtime started (its URL, a role's credentials). @default none: a suite that speaks HTTP itself */
  readonly clients?: (runtime: LocalRuntime) => C;
  /** How long writing the assembly and starting may take: longer for an app synthesized with CDK and bundled. @default the hook timeout (vitest.config.ts) */
  readonly timeoutMs?: number;
}): RestartableRuntime<C> {
  const clientsOf = setup.clients ?? (() => ({}) as C);
  let started: { runtime: LocalRuntime; clients: C } | undefined;
  let folders: { cdkOut: string; dataDir: string; dataFolderKind: 'disposable' } | undefined;
  const running = () => {
    if (started === undefined) throw new Error('the suite runtime is not running: read it inside a test, after beforeAll');
    return started;
  };
  const start = async () => {
    if (folders === undefined) throw new Error('the suite runtime starts in beforeAll');
    const runtime = await LocalRuntime.start({ logEvents: false, log: () => {}, ...setup.options, ...folders, port: 0 });
    started = { runtime, clients: clientsOf(runtime) };
  };
  const stop = async () => {
    const current = started;
    started = undefined;
    if (current === undefined) return;
    for (const client of Object.values(current.clients)) client.destroy();
    await current.runtime.stop();
  };
  beforeAll(async () => {
    folders = { cdkOut: await setup.assembly(), ...disposableData() };
    await start();
  }, setup.timeoutMs);
  afterAll(async () => {
    await stop();
    if (folders === undefined) return;
    rmSync(folders.dataDir, { recursive: true, force: true });
    if (setup.ownsAssembly) rmSync(folders.cdkOut, { recursive: true, force: true });
  });
  const suite = {
    get runtime() {
      return running().runtime;
    },
    get cdkOut() {
      if (folders === undefined) throw new Error('the suite runtime writes its assembly in beforeAll');
      return folders.cdkOut;
    },
    get dataDir() {
      if (folders === undefined) throw new Error('the suite runtime makes its data folder in beforeAll');
      return folders.dataDir;
    },
    restart: async (whileStopped?: () => void | Promise<void>) => {
      await stop();
      await whileStopped?.();
      await start();
    },
  };
  return new Proxy(suite, {
    get: (target, name, receiver) => (name in target ? Reflect.get(target, name, receiver) : running().clients[name as string]),
  }) as RestartableRuntime<C>;
}

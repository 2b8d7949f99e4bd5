import type { HttpApiUrl } from './apigateway/http-api-service.js';
import { ConsoleSite } from './console-site/console-site.js';
import { EndpointGuard } from './endpoint/guard.js';
import { Endpoint } from './endpoint/server.js';
import { SERVICE_MODULES } from './service-registry/modules.js';
import { ServiceOrderError, ServiceRegistry } from './service-registry/registry.js';
import { type ReloadSummary, type ReloadTarget, reloadServices } from './service-registry/reload.js';
import type { ServiceDefinitions } from './service-registry/service-definitions.js';
import type { RuntimeOptions, RuntimeSettings, ServiceName, ServiceReport, ServiceTypes } from './service-registry/service-module.js';
import { startMark } from './startup/start-marks.js';
import { DataFolder } from './store/data-folder.js';
import { DataFolderLock } from './store/data-folder-lock.js';
import { ActivityClock, systemClock } from './time/clock.js';

export type { RuntimeOptions } from './service-registry/service-module.js';

/**
 * LocalRuntime.start's options: the runtime's, where the assembly may still be under way
 * (`switchyard dev`'s first synthesis). Until it is there the endpoint listens and answers
 * "the local runtime is still starting", and the services' work that needs no template begins
 * (their modules' `begin`); if it fails, the start fails with its error, having stopped all that.
 */
export type RuntimeStartOptions = Omit<RuntimeOptions, 'cdkOut'> & { readonly cdkOut: string | PromiseLike<string> };

/** Each running service, by its module's name (defined by the constructor, from the registry's modules). */
export interface LocalRuntime extends Readonly<ServiceTypes> {}

/**
 * The app's template running on this machine: the services the template declares,
 * behind one AWS-compatible endpoint, with their state in one data folder. The services
 * and their order are their modules' (local/service-registry/modules.ts); this holds them together.
 * Each running service is a property named as its module (`runtime.sqs`, `runtime.iam`),
 * typed by the `ServiceTypes` each module adds itself to: no service is named here.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above types the services' accessors, which the constructor defines from the registry's modules
export class LocalRuntime {
  /** The template's services' definitions. Not readonly: a reload (`switchyard dev`) replaces them with the new template's. */
  definitions: ServiceDefinitions;
  /** The REST and HTTP API stages' local URLs (what the testing API's `apiUrl` reads, in this process or another). */
  get httpApiUrls(): readonly HttpApiUrl[] {
    return this.apigateway.urls();
  }

  /** What `reload` applies a new assembly to: the services, and the app they run. */
  readonly #reload: ReloadTarget;
  /** The reload running now: reloads run one after another. */
  #reloading: Promise<unknown> = Promise.resolve();
  /** Whether `warm` was called: each reload then warms what it changed. */
  #warm = false;
  /** The last `warm`'s warm-up (it logs its failures, never rejects). */
  #warming: Promise<void> = Promise.resolve();

  private constructor(
    readonly url: string,
    readonly warnings: readonly string[],
    private readonly endpoint: Endpoint,
    private readonly services: ServiceRegistry,
    private readonly lock: DataFolderLock,
  ) {
    for (const { name } of services.modules) {
      // An accessor named as one of the runtime's own members would hide it (a service named `stop` or `url`).
      if (name in this) throw new ServiceOrderError(`a service cannot be named ${name}: the runtime has a member of that name`);
      Object.defineProperty(this, name, { get: () => services.services.get(name as ServiceName), enumerable: true });
    }
    const template = services.services.get('template');
    this.definitions = template.definitions;
    const runtime = this;
    this.#reload = {
      load: (cdkOut) => template.load(cdkOut),
      // The template service holds the app: a reload replaces it there, so that readers that look it up follow.
      get current() {
        return { app: template.app, definitions: template.definitions };
      },
      set current(next) {
        template.app = next.app;
        template.definitions = next.definitions;
        runtime.definitions = next.definitions;
      },
      reloadedTypes: ServiceRegistry.reloadedTypes(services.modules),
      reload: (change) => services.reload(change),
    };
  }

  static async start(options: RuntimeStartOptions): Promise<LocalRuntime> {
    const log = options.log ?? ((line: string) => console.log(line));
    // One runtime per data folder, refused before anything listens or opens a store.
    const data = new DataFolder(options.dataDir, options.dataFolderKind);
    const lock = DataFolderLock.acquire(data.root);
    const guard = new EndpointGuard({
      bindAddress: options.host,
      allowHosts: options.allowHosts,
      credentials: options.verifySignatures?.credentials,
    });
    // Counting the work in flight: the warm-up waits for the app's own work, and for a request that just came.
    const clock = new ActivityClock(options.clock ?? systemClock);
    const endpoint = new Endpoint({ port: options.port ?? 4566, host: options.host, guard, onRequest: () => clock.requestArrived() });
    let services: ServiceRegistry;
    let url: string;
    try {
      services = new ServiceRegistry(options.modules ?? SERVICE_MODULES, {
        data,
        endpoint: {
          mount: (mounts) =>
            endpoint.mount({
              jsonServices: mounts.json,
              restServices: mounts.rest,
              queryServices: mounts.query,
              passthrough: mounts.passthrough,
              httpApis: mounts.httpApis,
              readApi: mounts.readApi,
              ...(options.mcp ? { mcp: options.mcp(url) } : {}),
              console: new ConsoleSite(),
              onInternalError: (error) => log(`[endpoint] internal error: ${(error as Error).stack ?? String(error)}`),
            }),
          stop: () => endpoint.stop(),
        },
      });
      url = await endpoint.start();
      startMark('endpoint listening');
    } catch (error) {
      lock.release();
      throw error;
    }
    lock.listening(url);
    const { cdkOut: assembly, ...rest } = options;
    const begin = {
      options: rest,
      url,
      accountId: options.accountId ?? '000000000000',
      region: options.region ?? 'us-east-1',
      clock,
      log,
      guard,
      // With signatures checked, the runtime's own clients and functions sign with a configured key.
      credentials: options.verifySignatures?.credentials[0] ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    services.begin(begin);
    const cdkOut = await assemblyOf(assembly, services, lock);
    startMark('assembly ready');
    const settings: RuntimeSettings = { ...begin, options: { ...rest, cdkOut } };
    try {
      // On a failure the registry has stopped what it started, the endpoint and the databases with it.
      await services.start(settings);
    } catch (error) {
      lock.release();
      throw error;
    }
    try {
      return new LocalRuntime(url, services.warnings, endpoint, services, lock);
    } catch (error) {
      await services.stop();
      lock.release();
      throw error;
    }
  }

  /**
   * Runs a newly synthesized assembly of the same app without a restart (`switchyard dev`):
   * changed functions run their new code from their next invocation, rules and state machines
   * take their new definitions, new queues and tables are created; no message, execution or
   * item is lost (local/service-registry/reload.ts). Rejects, changing nothing, when the assembly does not load.
   */
  reload(cdkOut: string): Promise<ReloadSummary> {
    const next = this.#reloading.then(() => reloadServices(this.#reload, cdkOut));
    this.#reloading = next.catch(() => undefined);
    // What the reload changed warms next (a reload that failed changed nothing: its caller hears why).
    if (this.#warm)
      void next.then(
        () => this.services.warm(),
        () => undefined,
      );
    return next;
  }

  /**
   * Does ahead, in the background, what the app's first requests would otherwise wait for
   * (each service's `warm`: every function's first execution environment starts, every state
   * machine compiles), and again after each reload for what it changed. For a runtime a person
   * uses (`switchyard dev`, `npm start`): a first event then waits for no cold start (docs/
   * local-runtime.md, "The first event": 0.19 s send to effect where it took 1.6 s). Tests leave
   * it off: it spends CPU and a worker thread per function on functions a test may never call.
   */
  warm(): Promise<void> {
    this.#warm = true;
    this.#warming = this.services.warm();
    return this.#warming;
  }

  /**
   * Resolves once the last `warm` has ended (at once if none began): the functions' first
   * environments have started, the state machines compiled. `switchyard dev` starts its own
   * background processes then (the next synthesis's, the type check): on two cores they would
   * otherwise take a core from the first event's invocation.
   */
  warmedUp(): Promise<void> {
    return this.#warming;
  }

  /** What each service says of itself in the start-up report (its module's `report`), in the order they start. */
  serviceReports(): Promise<ServiceReport[]> {
    return this.services.reports(this.definitions);
  }

  /** Start-up lines: whom the endpoint answers and whether it checks signatures. */
  trustLines(): string[] {
    return this.endpoint.trust(this.url);
  }

  /**
   * Stops every service, each before the services it needs (pipes first, while their
   * targets still run; Step Functions before Lambda), then the endpoint, then closes the
   * databases; the data folder is free again once it resolves.
   */
  async stop(): Promise<void> {
    try {
      await this.services.stop();
    } finally {
      this.lock.release();
    }
  }
}

/**
 * The assembly, once there. Its own error is the start's, once what was begun, the endpoint
 * and the data folder's lock are stopped and released.
 */
async function assemblyOf(assembly: string | PromiseLike<string>, services: ServiceRegistry, lock: DataFolderLock): Promise<string> {
  try {
    return await assembly;
  } catch (error) {
    try {
      await services.stop();
    } catch (shutdown) {
      throw new AggregateError(
        [error, shutdown],
        `the app's assembly failed, and stopping the runtime's start failed too: ${String(shutdown)}`,
        {
          cause: error,
        },
      );
    } finally {
      lock.release();
    }
    throw error;
  }
}

import { randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { ModelRestJsonProtocol } from '../endpoint/model-protocols/rest-json-codec.js';
import { currentTraceHeader } from '../endpoint/trace-header.js';
import { tryParseArn } from '../names/arn.js';
import { openDatabase } from '../store/data-folder.js';
import { systemClock } from '../time/clock.js';
import { type ApiPlanes, apiPlanes } from './api-planes.js';
import { AsyncInvoker } from './async/async-invoker.js';
import type { FunctionHost } from './control-plane/control-plane.js';
import { functionCodeUrl, storedDigest, zipPath } from './control-plane/function-code.js';
import { ApiPolicies } from './control-plane/function-permissions.js';
import { FunctionStore, LEGACY_FUNCTION_TAGS } from './control-plane/function-store.js';
import { type FunctionTransitions, inTransition } from './control-plane/function-transitions.js';
import { FunctionDirectory, invokedVersion } from './core/function-reference.js';
import { LambdaTags } from './core/resource-tags.js';
import { ChainedInvokes } from './durable/chained-invokes.js';
import { DurableApi } from './durable/durable-api.js';
import { DurableExecutions, durableSettings } from './durable/durable-executions.js';
import { durableMappingTarget, invokeDurable, startDurable } from './durable/durable-invoke.js';
import { legacyMappingTags } from './event-source-mappings/api-mappings.js';
import { EventSourceMappings, type StreamMappingControl } from './event-source-mappings/event-source-mappings.js';
import type { SqsMappingDefinition } from './event-source-mappings/sqs-event-source.js';
import { LambdaApi, lambdaProtocol } from './lambda-api.js';
import { functionEnvironment } from './runtime/function-environment.js';
import { type FunctionDefinition, FunctionRuntime, type InvokeOutcome } from './runtime/function-runtime.js';
import type { RuntimeSdk } from './runtime/runtime-sdk.js';
import { runtimeSupport, unsupportedRuntimeError } from './runtime/runtimes.js';
import type { LambdaServiceOptions } from './service-options.js';
import type { FunctionUrls } from './urls/function-urls.js';

/** Lambda's limit on an asynchronous invocation's payload. */
const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;

/** What a reload changed in Lambda (LambdaService.reload). */
export interface LambdaReload {
  readonly changed: readonly { readonly name: string; readonly what: 'code' | 'configuration' }[];
  readonly added: readonly string[];
  /** Functions the new template no longer has: they keep running until the runtime restarts. */
  readonly kept: readonly string[];
  /** Event source mappings (by UUID) added, changed or removed. */
  readonly mappings: readonly string[];
}

/** Whether a function's code (its bundle folder or layers, public ones included) or only its settings changed; undefined when neither did. */
function functionChange(before: FunctionDefinition, after: FunctionDefinition): 'code' | 'configuration' | undefined {
  const layers = (d: FunctionDefinition) => JSON.stringify([d.layers ?? [], d.publicLayers ?? []]);
  if (before.codePath !== after.codePath || layers(before) !== layers(after)) return 'code';
  return JSON.stringify(before) === JSON.stringify(after) ? undefined : 'configuration';
}

/**
 * Lambda: runs each function's bundle from the cloud assembly in worker threads and
 * drains SQS event source mappings into them. Serves Lambda's API on the endpoint through the
 * model-driven REST-JSON codec (lambdaProtocol): Invoke, the functions' control plane and
 * reads, layers, URLs, mappings, code signing and durable executions; every other operation
 * is answered as not supported locally.
 */
export class LambdaService {
  readonly #functions = new Map<string, FunctionRuntime>();
  readonly #async: AsyncInvoker;
  readonly #durable: DurableExecutions;
  readonly #directory: FunctionDirectory<FunctionRuntime>;
  readonly #protocol: ModelRestJsonProtocol;
  readonly #mappings: EventSourceMappings;
  readonly #store: FunctionStore;
  /** Functions' and mappings' tags (the template's functions' set from their template at each start and reload). */
  readonly #tags: LambdaTags;
  readonly #planes: ApiPlanes;
  /** What IAM evaluates of the functions the API made: their policies. */
  readonly #policies: ApiPolicies;
  /** The functions the template declares (or declared, until a restart): the API changes none of them. */
  readonly #templateNames: Set<string>;
  /** Set by `stop`: `prepare` starts no more environments. */
  #stopped = false;

  /** The AWS SDK functions get without bundling it: the start-up report says how, and what a function will not find. */
  get functionUrls(): FunctionUrls | undefined {
    return this.options.functionUrls;
  }

  get sdk(): RuntimeSdk | undefined {
    return this.options.sdk;
  }

  /**
   * Its event source mappings' API (ListEventSourceMappings, UpdateEventSourceMapping, ...), as the
   * endpoint serves it: for a caller in the runtime's process (the console's pauses, local/pauses/).
   */
  get eventSourceMappings(): Pick<EventSourceMappings, 'ListEventSourceMappings' | 'GetEventSourceMapping' | 'UpdateEventSourceMapping'> {
    return this.#mappings;
  }

  constructor(private readonly options: LambdaServiceOptions) {
    const db = options.db ?? openDatabase(':memory:');
    const accountId = options.accountId ?? tryParseArn(options.functions[0]?.arn ?? '')?.account ?? '000000000000';
    // First: a data folder of an earlier version has its tags moved out of the records read below.
    this.#tags = new LambdaTags(db, [LEGACY_FUNCTION_TAGS, legacyMappingTags({ region: options.region, accountId })]);
    this.#templateNames = new Set(options.functions.map((fn) => fn.name));
    this.#store = new FunctionStore(db, options.folder);
    for (const definition of options.functions) this.#tags.fromTemplate(definition.arn, definition.template?.Tags);
    for (const definition of [...options.functions, ...this.#store.load(this.#templateNames)]) {
      this.#functions.set(definition.name, this.#runtimeOf(definition));
    }

    this.#policies = new ApiPolicies(options.onPolicyChange);
    for (const fn of this.#functions.values()) this.#policies.apply(fn.definition);
    this.#directory = new FunctionDirectory(this.#functions, accountId, options.region);
    this.#planes = apiPlanes(options, {
      db,
      store: this.#store,
      tags: this.#tags,
      accountId,
      definitions: () => [...this.#functions.values()].map((fn) => fn.definition),
      host: this.#apiHost(),
    });
    this.#mappings = new EventSourceMappings({
      ...options,
      db,
      template: options.sqsMappings,
      directory: this.#directory,
      accountId,
      tags: this.#tags,
      functions: this.#functions,
      targetOf: (fn, mapping) => {
        const reference = mapping.functionReference ?? mapping.functionName;
        return durableSettings(fn.definition)
          ? durableMappingTarget(this.#durable, fn, this.#directory.resolve(reference))
          : EventSourceMappings.versionTarget(this.#directory, fn, reference);
      },
    });
    this.#async = new AsyncInvoker(this.#functions, {
      db,
      clock: options.clock ?? systemClock,
      destinations: options.destinations ?? {
        send: async (arn) => {
          throw new Error(`no destinations are connected to the local Lambda service (${arn})`);
        },
      },
      log: options.log,
      delayScale: options.asyncTiming?.delayScale,
      pollIntervalMs: options.asyncTiming?.pollIntervalMs,
    });
    this.#durable = new DurableExecutions({
      db,
      clock: options.clock ?? systemClock,
      functions: this.#functions,
      log: options.log,
      resumeChainedInvokes: (arn) => chained.resume(arn),
      pollIntervalMs: options.asyncTiming?.pollIntervalMs,
      delayScale: options.asyncTiming?.delayScale,
    });
    const chained = new ChainedInvokes(this.#durable, {
      resolve: (name) => this.#directory.resolve(name),
      invoke: (name, payload) => this.invoke(name, payload),
      log: options.log,
    });
    this.#protocol = lambdaProtocol({
      api: this.#readApi(accountId),
      planes: this.#planes,
      mappings: this.#mappings,
      durable: new DurableApi(this.#durable, this.#directory, chained),
      checkRegion: (name) => this.#directory.checkRegion(name),
    });
  }

  /** Lambda's API over the functions the service runs: Invoke and the reads (lambda-api.ts). */
  #readApi(accountId: string): LambdaApi<FunctionRuntime> {
    return new LambdaApi(this.#functions, this.#directory, {
      accountId,
      region: this.options.region,
      codeUrl: (definition) => (definition.api && this.options.url ? functionCodeUrl(this.options.url, definition.codePath) : undefined),
      layerCodeSize: () => this.#planes.layers.codeSize(),
      tags: this.#tags,
      invoke: {
        resolve: (name, qualifier) => this.#directory.resolve(name, qualifier, true),
        durable: this.#durable,
        invokeAsync: (arn, event, invokeOptions) => this.invokeAsync(arn, event, invokeOptions),
      },
    });
  }

  /**
   * Starts an execution environment of each function that has none idle, ahead of its first
   * event (FunctionRuntime.prepare): one after another, each init phase with the CPU to itself
   * as a first event's would have it, until every function has one or the service stops. The
   * functions `reachedFirst` names (by name or ARN, maybe qualified: what an event source
   * invokes) go first, the others in the template's order.
   */
  async prepare(idle: () => Promise<void> = () => Promise.resolve(), reachedFirst: readonly string[] = []): Promise<void> {
    const reached = ({ definition: { name, arn } }: FunctionRuntime) =>
      reachedFirst.some((reference) => reference === name || reference === arn || reference.startsWith(`${arn}:`));
    const all = [...this.#functions.values()];
    // A stable order: the event sources' functions, then the rest, each as the template lists them.
    const ordered = [...all.filter(reached), ...all.filter((fn) => !reached(fn))];
    for (const fn of ordered) {
      // An init on its thread takes a core: the app's own invocations go first.
      await idle();
      if (this.#stopped) return;
      await fn.prepare();
    }
  }

  /** Starts the event source pollers and the asynchronous invocation queue. */
  async start(): Promise<void> {
    // The functions the API made earlier get what their code needs, as they did when it was uploaded; changes a stop interrupted end.
    const made = [...this.#functions.values()].flatMap(({ definition }) => (definition.api ? [definition] : []));
    for (const definition of made) if (!inTransition(definition)) await this.options.prepareCode?.(definition);
    await this.#planes.functions.resume(made);
    this.#async.start();
    this.#durable.start();
    await this.#mappings.sqs.start();
  }

  /**
   * Applies a reloaded template (`switchyard dev`): a changed function runs its new code or
   * settings from its next invocation on (FunctionRuntime.update), a new one is added, one
   * the template no longer has keeps running until the runtime restarts. An event source
   * mapping that changed, or whose function is new or has a new concurrency, polls again; messages
   * stay in their queue meanwhile (a batch in flight ends first, or comes back after its
   * visibility timeout), so none is lost.
   */
  async reload(functions: readonly FunctionDefinition[], sqsMappings: readonly SqsMappingDefinition[]): Promise<LambdaReload> {
    const changed: { name: string; what: 'code' | 'configuration' }[] = [];
    const added: string[] = [];
    // A mapping runs as many pollers as its function's concurrency: a new function or a new concurrency restarts them.
    const touched = new Set<string>();
    const renewals: Promise<void>[] = [];
    for (const definition of functions) {
      const fn = this.#functions.get(definition.name);
      // A function the API made that the template now declares is the template's from now on.
      if (fn && !this.#templateNames.has(definition.name)) this.#store.delete(fn.definition);
      this.#templateNames.add(definition.name);
      this.#tags.fromTemplate(definition.arn, definition.template?.Tags);
      if (fn === undefined) {
        this.#functions.set(definition.name, this.#runtimeOf(definition));
        added.push(definition.name);
        touched.add(definition.name);
        continue;
      }
      const what = functionChange(fn.definition, definition);
      if (what === undefined) continue;
      if (fn.definition.reservedConcurrency !== definition.reservedConcurrency) touched.add(definition.name);
      // The new code's first environments start side by side; the reload ends once each function switched to its own.
      renewals.push(fn.update(definition, true));
      changed.push({ name: definition.name, what });
    }
    const names = new Set(functions.map((f) => f.name));
    const kept = [...this.#templateNames].filter((name) => !names.has(name));
    // The mappings that poll again invoke the new code: their messages wait in the queue until the switch.
    await Promise.all(renewals);
    const mappings = await this.#mappings.sqs.reload(sqsMappings, touched);
    this.#mappings.retagTemplate();
    return { changed, added, kept, mappings };
  }

  /**
   * Runs other code for a function in place of the code its template names: `switchyard dev`
   * gives a handler rebuilt from a saved edit this way, with no synthesis. As with a reload, the
   * new code's environment starts at once, events meanwhile run on the old code, and once it
   * is ready the function switches (FunctionRuntime.update with prestart): resolves then, and from then on
   * every invocation runs the new code, the first one warm. Until the next reload, the function
   * runs code its template does not hold (`updatedCode` lists it for the start-up report).
   * @throws AwsError ResourceNotFoundException for a function the runtime does not run
   */
  async updateFunctionCode(name: string, codePath: string): Promise<void> {
    const fn = this.#functions.get(name);
    if (fn === undefined) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
    const definition = { ...fn.definition, codePath };
    await this.options.prepareCode?.(definition);
    await fn.update(definition, true);
  }

  /** The functions whose code is not the one `template` names (updateFunctionCode since), with the folder each runs. */
  updatedCode(template: readonly FunctionDefinition[]): { name: string; codePath: string }[] {
    return template.flatMap(({ name, codePath }) => {
      const running = this.#functions.get(name)?.definition.codePath;
      return running !== undefined && running !== codePath ? [{ name, codePath: running }] : [];
    });
  }

  /** What a function the API made or changed needs before it runs: new code or layers (public ones, for each definition). */
  async #prepare(definition: FunctionDefinition): Promise<void> {
    const running = this.#functions.get(definition.name)?.running;
    const prepare = !running || functionChange(running, definition) === 'code' || (definition.publicLayers ?? []).length > 0;
    if (prepare) await this.options.prepareCode?.(definition);
  }

  /** Runs (`update`) or describes a function the API made or changed: a new one gets its execution environments. */
  #apply(definition: FunctionDefinition, how: 'update' | 'describe'): void {
    const fn = this.#functions.get(definition.name);
    // A change through the API runs at once: its state says when it is done (no prestart to wait for).
    if (fn) void fn[how](definition);
    else this.#functions.set(definition.name, this.#runtimeOf(definition));
  }

  /** The changes Lambda's API accepted that are still in progress (Pending, InProgress): tests hold them and wait for their end. */
  get transitions(): FunctionTransitions {
    return this.#planes.functions.transitions;
  }

  #runtimeOf(definition: FunctionDefinition): FunctionRuntime {
    const { log, logs, onInvocation, faults, sdk, clock } = this.options;
    return new FunctionRuntime(definition, (d) => this.#environmentOf(d), log, logs, onInvocation, faults, sdk, clock);
  }

  #environmentOf(definition: FunctionDefinition): Record<string, string> {
    return functionEnvironment(definition, this.options.baseEnvironment, this.options.roleCredentials);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#async.stop();
    await this.#durable.stop();
    await this.#mappings.sqs.stop();
    await Promise.all([...this.#functions.values()].map((fn) => fn.stop()));
  }

  /**
   * Invokes a function by name or ARN (the in-process form other services use). With
   * `throttle`, a function at its reserved concurrency answers TooManyRequestsException at
   * once, as a synchronous Invoke does (Step Functions asks for this); without, the call
   * waits for room.
   */
  async invoke(
    functionName: string,
    event: unknown,
    options: {
      readonly throttle?: boolean;
      readonly signal?: AbortSignal;
      /** Invoke's DurableExecutionName: a durable function's execution of that name, started once (a name already used answers its outcome). */
      readonly durableExecutionName?: string;
      /** Invoke's `LogType: Tail`: the outcome keeps the invocation's log lines. */
      readonly captureLog?: boolean;
    } = {},
  ): Promise<InvokeOutcome> {
    const resolved = this.#directory.resolve(functionName, undefined, true);
    if (durableSettings(resolved.fn.definition)) return invokeDurable(this.#durable, resolved, event, options.durableExecutionName);
    return resolved.fn.invoke(event, {
      invokedFunctionArn: resolved.arn,
      version: invokedVersion(resolved),
      throttle: options.throttle === true && resolved.fn.definition.reservedConcurrency !== undefined,
      captureLog: options.captureLog === true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Whether a name or ARN (qualified or not) names a function the runtime runs: what a service checks before it relies on invoking one. */
  hasFunction(nameOrArn: string): boolean {
    try {
      this.#directory.resolve(nameOrArn, undefined, true);
      return true;
    } catch (error) {
      if (error instanceof AwsError && error.code === 'ResourceNotFoundException') return false;
      throw error;
    }
  }

  /**
   * Invokes a function asynchronously (InvocationType Event, as EventBridge, SNS and S3
   * invoke): resolves once the event is durably queued; Lambda's retries, destinations and
   * dead-letter queue take it from there.
   */
  async invokeAsync(
    functionNameOrArn: string,
    event: unknown,
    options: {
      readonly durableExecutionName?: string;
      /** The event's JSON as the caller sent it (Invoke's body): kept as it is for the dead-letter queue. */
      readonly payload?: string;
    } = {},
  ): Promise<{ requestId: string }> {
    const resolved = this.#directory.resolve(functionNameOrArn, undefined, true);
    if (durableSettings(resolved.fn.definition)) {
      const name = options.durableExecutionName;
      startDurable(this.#durable, resolved, JSON.stringify(event ?? null), {
        asynchronous: true,
        traceHeader: currentTraceHeader(),
        ...(name ? { name } : {}),
      });
      return { requestId: randomUUID() };
    }
    const fn = resolved.fn;
    if (runtimeSupport(fn.definition.runtime) === 'unsupported') throw unsupportedRuntimeError(fn.definition);
    const size = Buffer.byteLength(options.payload ?? JSON.stringify(event ?? null));
    if (size > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new AwsError(
        'RequestTooLargeException',
        `Request must be smaller than ${MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeAsync operation`,
        413,
      );
    }
    return this.#async.accept(
      fn,
      event,
      resolved.qualifier === undefined ? undefined : { version: invokedVersion(resolved), arn: resolved.arn },
      options.payload,
    );
  }

  /** The zip of a package a function the API created (or one of its versions) runs, or of a layer version it published, by its digest (hex); undefined for any other. */
  packageZip(digest: string): string | undefined {
    const runs = [...this.#functions.values()].some(({ definition }) =>
      [definition, ...Object.values(definition.published ?? {})].some((d) => d.api && storedDigest(d.codePath) === digest),
    );
    return runs ? zipPath(this.#store.codeRoot, digest) : this.#planes.layers.zipOf(digest);
  }

  /** The events of a function still queued for asynchronous invocation (or in flight). */
  queuedAsyncEvents(functionName: string): number {
    return this.#async.queued(functionName);
  }

  /** Resolves once no asynchronous attempt is in flight (tests). */
  asyncIdle(): Promise<void> {
    return this.#async.idle();
  }

  /** The event source mappings Lambda's API made, each as its source and function. */
  get apiMappingLabels(): string[] {
    return this.#mappings.madeLabels();
  }

  /** The functions Lambda's API made (CreateFunction), by name. */
  get apiFunctionNames(): string[] {
    return [...this.#functions.values()].flatMap(({ definition }) => (definition.api ? [definition.name] : []));
  }

  get functionNames(): string[] {
    return [...this.#functions.keys()];
  }

  /** The pipes service's stream mappings, for Lambda's API to list and update. */
  attachStreamMappings(control: StreamMappingControl): void {
    this.#mappings.attachStreams(control);
  }

  /** What the control plane changes: this service's functions, which it describes, prepares, runs and stops. */
  #apiHost(): FunctionHost {
    return {
      directory: this.#directory,
      definitionOf: (name) => this.#functions.get(name)?.definition,
      isTemplate: (name) => this.#templateNames.has(name),
      describe: (definition) => {
        this.#apply(definition, 'describe');
        this.#policies.apply(definition);
      },
      prepare: (definition) => this.#prepare(definition),
      run: (definition) => {
        this.#apply(definition, 'update');
        this.#policies.apply(definition);
        // A mapping that outlived a function of this name invokes the new one once its code is ready.
        void this.#mappings.sqs.functionChanged(definition.name);
      },
      stop: async (name) => {
        const fn = this.#functions.get(name);
        this.#functions.delete(name);
        this.#policies.forget(name);
        // Its mappings stay, as Lambda's do, and poll nothing until a function of the name comes back.
        await this.#mappings.sqs.functionChanged(name);
        await fn?.stop();
      },
    };
  }

  /**
   * Lambda's API as the endpoint serves it: the REST-JSON codec over its model (lambdaProtocol),
   * which takes IAM's check from the service registry and answers the endpoint's own refusals (a
   * body too large) in Lambda's words.
   */
  get protocol(): ModelRestJsonProtocol {
    return this.#protocol;
  }

  /** The durable executions of the app's durable functions (the start-up report, tests). */
  get durable(): DurableExecutions {
    return this.#durable;
  }
}

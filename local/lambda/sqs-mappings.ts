import type { Clock } from '../clock.js';
import type { FunctionRuntime, LogSink } from './function-runtime.js';
import { runtimeSupport } from './runtimes.js';
import { SqsEventSource, type SqsForPoller, type SqsMappingDefinition } from './sqs-event-source.js';

export interface SqsMappingsOptions {
  readonly sqs: SqsForPoller;
  readonly region: string;
  readonly log: LogSink;
  readonly clock?: Clock;
  /** The functions the mappings invoke, by name (Lambda's own map: a function a reload adds is found). */
  readonly functions: ReadonlyMap<string, FunctionRuntime>;
  /** What a mapping invokes for its function (a durable function's execution, else the function). */
  readonly targetOf: (fn: FunctionRuntime, mapping: SqsMappingDefinition) => FunctionRuntime;
  /** AWS's refusal of the mapping when the function's role may not read the queue and IAM enforces (LambdaServiceOptions). */
  readonly authorizeSource?: (roleArn: string, queueArn: string, functionName: string) => Promise<string | undefined>;
}

/**
 * The app's SQS event source mappings and their pollers: started with Lambda, replaced in
 * place by a reload (only those whose settings or function changed poll again), stopped with it.
 */
export class SqsMappings {
  /** The mappings as they are now (the read API lists this array: a reload replaces its items in place). */
  readonly definitions: SqsMappingDefinition[];
  readonly #sources: SqsEventSource[] = [];

  constructor(
    definitions: readonly SqsMappingDefinition[],
    private readonly options: SqsMappingsOptions,
  ) {
    this.definitions = [...definitions];
  }

  async start(): Promise<void> {
    for (const mapping of this.definitions) await this.#startSource(mapping);
  }

  /**
   * Takes a reloaded template's mappings: one that changed, or whose function is new or has a
   * new concurrency (`touchedFunctions`), polls again; messages stay in their queue meanwhile.
   * Returns the mappings (by UUID) whose own settings changed, were added or removed.
   */
  async reload(next: readonly SqsMappingDefinition[], touchedFunctions: ReadonlySet<string>): Promise<string[]> {
    const before = new Map(this.definitions.map((m) => [m.uuid, m]));
    const restart = new Set<string>();
    for (const mapping of next) {
      const old = before.get(mapping.uuid);
      if (old === undefined || JSON.stringify(old) !== JSON.stringify(mapping) || touchedFunctions.has(mapping.functionName)) {
        restart.add(mapping.uuid);
      }
    }
    const nextIds = new Set(next.map((m) => m.uuid));
    for (const uuid of before.keys()) if (!nextIds.has(uuid)) restart.add(uuid);
    const stopping = this.#sources.filter((source) => restart.has(source.mapping.uuid));
    await Promise.all(stopping.map((source) => source.stop()));
    this.#sources.splice(0, this.#sources.length, ...this.#sources.filter((source) => !stopping.includes(source)));
    this.definitions.splice(0, this.definitions.length, ...next);
    for (const mapping of next) if (restart.has(mapping.uuid)) await this.#startSource(mapping);
    // Only mappings whose own settings changed are news; one restarted for its function's code is not.
    return [...restart].filter((uuid) => {
      const mapping = next.find((m) => m.uuid === uuid);
      const old = before.get(uuid);
      return mapping === undefined || old === undefined || JSON.stringify(old) !== JSON.stringify(mapping);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.#sources.map((source) => source.stop()));
  }

  async #startSource(mapping: SqsMappingDefinition): Promise<void> {
    const { log, sqs, region, clock } = this.options;
    const fn = this.options.functions.get(mapping.functionName);
    // A function left out at load (image code) or that cannot run here: its queue keeps its messages, as with a disabled mapping.
    if (!fn) {
      log(mapping.functionName, `event source mapping ${mapping.uuid} is not run: the function does not run locally`);
      return;
    }
    if (runtimeSupport(fn.definition.runtime) === 'unsupported') {
      log(fn.definition.name, `event source mapping ${mapping.uuid} is not run: the ${fn.definition.runtime} runtime does not run locally`);
      return;
    }
    const role = fn.definition.template?.Role;
    const refusal = typeof role === 'string' ? await this.options.authorizeSource?.(role, mapping.queueArn, fn.definition.name) : undefined;
    if (refusal !== undefined) {
      log(fn.definition.name, `event source mapping ${mapping.uuid} is not run (AWS refuses to create it): ${refusal}`);
      return;
    }
    const source = new SqsEventSource(mapping, sqs, this.options.targetOf(fn, mapping), region, log, clock);
    await source.start();
    this.#sources.push(source);
  }
}

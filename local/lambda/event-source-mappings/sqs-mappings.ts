import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { TemplateChanges } from '../../store/template-changes.js';
import { type Clock, systemClock } from '../../time/clock.js';
import type { FunctionRuntime, LogSink } from '../runtime/function-runtime.js';
import { runtimeSupport } from '../runtime/runtimes.js';
import { SqsEventSource, type SqsForPoller, type SqsMappingDefinition } from './sqs-event-source.js';

export interface SqsMappingsOptions {
  readonly sqs: SqsForPoller;
  readonly region: string;
  readonly log: LogSink;
  readonly clock?: Clock;
  /** Where what UpdateEventSourceMapping changed is kept (the Lambda database). */
  readonly db: DatabaseSync;
  /** The functions the mappings invoke, by name (Lambda's own map: a function a reload adds is found). */
  readonly functions: ReadonlyMap<string, FunctionRuntime>;
  /** What a mapping invokes for its function (a durable function's execution, else the function). */
  readonly targetOf: (fn: FunctionRuntime, mapping: SqsMappingDefinition) => FunctionRuntime;
  /** AWS's refusal of the mapping when the function's role may not read the queue and IAM enforces (LambdaServiceOptions). */
  readonly authorizeSource?: (roleArn: string, queueArn: string, functionName: string) => Promise<string | undefined>;
  /** The mappings CreateEventSourceMapping made, as kept (api-mappings.ts), and where one is kept again when UpdateEventSourceMapping changes it. */
  readonly api?: {
    readonly mappings: readonly { readonly definition: SqsMappingDefinition; readonly lastModified: number }[];
    save(definition: SqsMappingDefinition, lastModified: number): void;
  };
}

/** The settings of an SQS mapping UpdateEventSourceMapping changes; the rest is the template's alone. */
const UPDATABLE_SETTINGS = [
  'functionName',
  'functionReference',
  'batchSize',
  'maximumBatchingWindowSeconds',
  'maximumConcurrency',
  'provisionedPollerConfig',
  'reportBatchItemFailures',
  'enabled',
  'filters',
] as const satisfies readonly (keyof SqsMappingDefinition)[];

/**
 * A mapping's state as Lambda reports it: `Disabling` until its batches in flight end, `Enabling`
 * until it polls; `Creating` until a new one polls, `Deleting` until a deleted one has stopped.
 */
export type MappingState = 'Creating' | 'Enabled' | 'Enabling' | 'Disabled' | 'Disabling' | 'Updating' | 'Deleting';

export interface MappingStatus {
  readonly state: MappingState;
  /** When it was last changed (created, deployed again, updated) or its state last changed, epoch milliseconds. */
  readonly lastModified: number;
}

/**
 * The SQS event source mappings and their pollers: the app's, started with Lambda, changed by
 * UpdateEventSourceMapping (kept in the data folder), replaced in place by a reload (only
 * those whose settings or function changed poll again), stopped with it; and those
 * CreateEventSourceMapping made (`add`, `remove`), kept whole in the data folder, which no
 * reload touches.
 */
export class SqsMappings {
  /** The mappings as they run now (the read API lists this array: updates and reloads replace its items in place). */
  readonly definitions: SqsMappingDefinition[];
  readonly #sources: SqsEventSource[] = [];
  /** What UpdateEventSourceMapping changed, kept in `lambda_event_source_mappings`. */
  readonly #store: TemplateChanges<SqsMappingDefinition>;
  readonly #clock: Clock;
  /** The template's mappings, which the kept changes apply to. */
  #template: ReadonlyMap<string, SqsMappingDefinition>;
  /** The UUIDs of the mappings the API made. */
  readonly #apiMade = new Set<string>();
  /** The function each mapping's pollers were last started for (undefined: there was none to run). */
  readonly #startedFor = new Map<string, FunctionRuntime | undefined>();
  readonly #status = new Map<string, MappingStatus>();
  /** Per mapping, the number of its last update: only the last one's transition sets the state it ends in. */
  readonly #updates = new Map<string, number>();
  /** Pollers start and stop one change at a time (updates and reloads), in the order they came. */
  #changes: Promise<void> = Promise.resolve();

  constructor(
    template: readonly SqsMappingDefinition[],
    private readonly options: SqsMappingsOptions,
  ) {
    this.#store = new TemplateChanges(options.db, 'lambda_event_source_mappings', (mapping) =>
      Object.fromEntries(UPDATABLE_SETTINGS.map((setting) => [setting, mapping[setting]])),
    );
    this.#clock = options.clock ?? systemClock;
    this.#template = new Map(template.map((m) => [m.uuid, m]));
    this.definitions = this.#reconcile(template);
    for (const { definition, lastModified } of options.api?.mappings ?? []) {
      this.#apiMade.add(definition.uuid);
      this.definitions.push(definition);
      this.#status.set(definition.uuid, { state: restingState(definition), lastModified });
    }
  }

  async start(): Promise<void> {
    for (const mapping of this.definitions) await this.#startSource(mapping);
  }

  /** A mapping's state and when it last changed. */
  status(uuid: string): MappingStatus {
    return this.#status.get(uuid) ?? { state: 'Enabled', lastModified: 0 };
  }

  /**
   * CreateEventSourceMapping: the mapping is listed at once, `Creating` until its pollers
   * have started (then Enabled); one created disabled is Disabled from the start.
   */
  add(mapping: SqsMappingDefinition): MappingStatus {
    const now = this.#clock.now();
    this.#apiMade.add(mapping.uuid);
    this.definitions.push(mapping);
    // One created disabled has no pollers to start: Lambda answers it Disabled at once.
    const status: MappingStatus = { state: mapping.enabled ? 'Creating' : 'Disabled', lastModified: now };
    this.#status.set(mapping.uuid, status);
    void this.#enqueue(async () => {
      await this.#startSource(mapping);
      if (this.#status.get(mapping.uuid) === status) this.#status.set(mapping.uuid, { state: restingState(mapping), lastModified: now });
    });
    return status;
  }

  /**
   * DeleteEventSourceMapping of a mapping the API made: `Deleting` (its definition answered)
   * until its pollers have stopped, a batch in flight ending first; then it is gone.
   * @throws AwsError ResourceNotFoundException for a mapping that is not one the API made
   */
  remove(uuid: string): { mapping: SqsMappingDefinition; status: MappingStatus } {
    const mapping = this.definitions.find((m) => m.uuid === uuid);
    if (mapping === undefined || !this.#apiMade.has(uuid)) throw notFound();
    const status: MappingStatus = { state: 'Deleting', lastModified: this.#status.get(uuid)?.lastModified ?? this.#clock.now() };
    this.#status.set(uuid, status);
    void this.#enqueue(async () => {
      await this.#stopSources(new Set([uuid]));
      this.definitions.splice(this.definitions.indexOf(mapping), 1);
      this.#apiMade.delete(uuid);
      this.#status.delete(uuid);
    });
    return { mapping, status };
  }

  /**
   * Polls again for the mappings of a function that came or went (CreateFunction and
   * DeleteFunction through the API): a mapping outlives its function, as Lambda's do, and
   * polls nothing while it has none. A function that only changed keeps its pollers.
   */
  functionChanged(functionName: string): Promise<void> {
    const current = this.options.functions.get(functionName);
    const stale = this.definitions.filter((m) => m.functionName === functionName && this.#startedFor.get(m.uuid) !== current);
    const uuids = new Set(stale.map((m) => m.uuid));
    if (uuids.size === 0) return Promise.resolve();
    return this.#enqueue(async () => {
      await this.#stopSources(uuids);
      for (const mapping of this.definitions) if (uuids.has(mapping.uuid)) await this.#startSource(mapping);
    });
  }

  /**
   * UpdateEventSourceMapping: the mapping takes `next` (updatedMapping) and keeps it across
   * restarts and reloads. Answers at once with the transition Lambda reports (`Disabling`,
   * `Enabling`, `Updating`); its pollers stop (their batches in flight end first: nothing is
   * received after), start or poll again with the new settings behind it.
   * @throws AwsError ResourceNotFoundException for a mapping the app does not have
   */
  update(uuid: string, change: (current: SqsMappingDefinition) => SqsMappingDefinition): SqsMappingDefinition {
    const index = this.definitions.findIndex((m) => m.uuid === uuid);
    const before = this.definitions[index];
    const template = this.#template.get(uuid);
    if (before === undefined || (template === undefined && !this.#apiMade.has(uuid))) throw notFound();
    const next = change(before);
    const now = this.#clock.now();
    if (template === undefined) this.options.api?.save(next, now);
    else this.#store.save(uuid, template, next, now);
    this.definitions[index] = next;
    const changed = JSON.stringify(before) !== JSON.stringify(next);
    const state = transitionOf(before, next, changed, this.status(uuid).state);
    this.#status.set(uuid, { state, lastModified: now });
    const update = (this.#updates.get(uuid) ?? 0) + 1;
    this.#updates.set(uuid, update);
    if (changed) {
      void this.#enqueue(async () => {
        await this.#stopSources(new Set([uuid]));
        await this.#startSource(next);
        // LastModified is also when the state last changed: a paused mapping's is when its last batch ended.
        if (this.#updates.get(uuid) === update) this.#status.set(uuid, { state: restingState(next), lastModified: this.#clock.now() });
      });
    }
    return next;
  }

  /**
   * Takes a reloaded template's mappings: one that changed, or whose function is new or has a
   * new concurrency (`touchedFunctions`), polls again; messages stay in their queue meanwhile.
   * What UpdateEventSourceMapping changed stays but for the settings the template changed.
   * Returns the mappings (by UUID) whose own settings changed, were added or removed.
   */
  reload(nextTemplate: readonly SqsMappingDefinition[], touchedFunctions: ReadonlySet<string>): Promise<string[]> {
    return this.#enqueue(async () => {
      const before = new Map(this.definitions.filter((m) => !this.#apiMade.has(m.uuid)).map((m) => [m.uuid, m]));
      this.#template = new Map(nextTemplate.map((m) => [m.uuid, m]));
      const next = this.#reconcile(nextTemplate);
      const restart = new Set<string>();
      for (const mapping of next) {
        const old = before.get(mapping.uuid);
        if (old === undefined || JSON.stringify(old) !== JSON.stringify(mapping) || touchedFunctions.has(mapping.functionName)) {
          restart.add(mapping.uuid);
        }
      }
      const nextIds = new Set(next.map((m) => m.uuid));
      for (const uuid of before.keys()) if (!nextIds.has(uuid)) restart.add(uuid);
      const made = this.definitions.filter((m) => this.#apiMade.has(m.uuid));
      for (const mapping of made) if (touchedFunctions.has(mapping.functionName)) restart.add(mapping.uuid);
      await this.#stopSources(restart);
      this.definitions.splice(0, this.definitions.length, ...next, ...made);
      for (const mapping of this.definitions) if (restart.has(mapping.uuid)) await this.#startSource(mapping);
      // Only the template's mappings whose own settings changed are news; one restarted for its function's code is not.
      return [...restart].filter((uuid) => {
        if (this.#apiMade.has(uuid)) return false;
        const mapping = next.find((m) => m.uuid === uuid);
        const old = before.get(uuid);
        return mapping === undefined || old === undefined || JSON.stringify(old) !== JSON.stringify(mapping);
      });
    });
  }

  async stop(): Promise<void> {
    await this.#changes;
    await Promise.all(this.#sources.map((source) => source.stop()));
  }

  /** The template's mappings as they run: with their kept changes, each resting in its state. */
  #reconcile(template: readonly SqsMappingDefinition[]): SqsMappingDefinition[] {
    const now = this.#clock.now();
    this.#store.keepOnly(new Set(template.map((m) => m.uuid)));
    return template.map((mapping) => {
      const { definition, changedAt } = this.#store.reconcile(mapping.uuid, mapping, now);
      this.#status.set(definition.uuid, { state: restingState(definition), lastModified: changedAt });
      return definition;
    });
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#changes.then(work);
    // The next change waits for this one, whether it failed or not; its caller hears of the failure.
    this.#changes = done.then(
      () => undefined,
      (error: unknown) => this.options.log('lambda', `event source mapping change failed: ${(error as Error).stack ?? String(error)}`),
    );
    return done;
  }

  async #stopSources(uuids: ReadonlySet<string>): Promise<void> {
    const stopping = this.#sources.filter((source) => uuids.has(source.mapping.uuid));
    await Promise.all(stopping.map((source) => source.stop()));
    this.#sources.splice(0, this.#sources.length, ...this.#sources.filter((source) => !stopping.includes(source)));
  }

  async #startSource(mapping: SqsMappingDefinition): Promise<void> {
    const { log, sqs, region, clock } = this.options;
    const fn = this.options.functions.get(mapping.functionName);
    this.#startedFor.set(mapping.uuid, fn);
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

const notFound = () => new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);

function restingState(mapping: SqsMappingDefinition): MappingState {
  return mapping.enabled ? 'Enabled' : 'Disabled';
}

/** The state an update puts a mapping in until its pollers have followed it. */
function transitionOf(before: SqsMappingDefinition, next: SqsMappingDefinition, changed: boolean, current: MappingState): MappingState {
  if (!changed) return current;
  if (before.enabled !== next.enabled) return next.enabled ? 'Enabling' : 'Disabling';
  return 'Updating';
}

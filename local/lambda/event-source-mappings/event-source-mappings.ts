import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../../endpoint/aws-error.js';
import { tryParseArn } from '../../names/arn.js';
import type { PipesService } from '../../pipes/pipes-service.js';
import { type Clock, systemClock } from '../../time/clock.js';
import { type FunctionDirectory, invokedVersion, parseFunctionName } from '../core/function-reference.js';
import { validateLambdaInput } from '../core/input-validation.js';
import { listPage } from '../core/list-pages.js';
import { checkTagCount, type LambdaTags, mappingArn } from '../core/resource-tags.js';
import type { FunctionRuntime } from '../runtime/function-runtime.js';
import { ApiMappingStore } from './api-mappings.js';
import {
  kafkaMappingConfiguration,
  type MappingPlace,
  mappedArn,
  sqsMappingConfiguration,
  streamMappingConfiguration,
} from './mapping-answers.js';
import { updatedMapping, updatedStreamMapping } from './mapping-changes.js';
import { type CreatedMapping, createdMapping, type KafkaMappingDefinition, uuidOf } from './mapping-create.js';
import type { SqsMappingDefinition } from './sqs-event-source.js';
import { type MappingStatus, SqsMappings, type SqsMappingsOptions } from './sqs-mappings.js';

type Input = Readonly<Record<string, unknown>>;

/** What Lambda's API needs of the stream mappings the pipes service runs (it starts after Lambda and attaches them). */
export type StreamMappingControl = Pick<
  PipesService,
  'streamMappings' | 'updateStreamMapping' | 'addStreamMapping' | 'deleteStreamMapping' | 'hasStream'
>;

export interface EventSourceMappingsOptions extends Omit<SqsMappingsOptions, 'api' | 'db' | 'clock'> {
  readonly db: DatabaseSync;
  readonly clock?: Clock;
  /** The template's SQS mappings. */
  readonly template: readonly SqsMappingDefinition[];
  readonly directory: FunctionDirectory<FunctionRuntime>;
  readonly region: string;
  readonly accountId: string;
  /** Where mappings' tags are kept, by their ARN. */
  readonly tags: LambdaTags;
}

/** ListEventSourceMappings answers at most 100 mappings a call. */
const LIST_MAPPINGS_PAGE = 100;

const notFound = () => new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);

/**
 * Lambda's event source mappings: the template's and those CreateEventSourceMapping makes, each
 * run where its kind runs (an SQS queue's by SqsMappings here, a DynamoDB or Kinesis stream's as
 * a pipe by the pipes service), the API's kept in the data folder (ApiMappingStore) so that they
 * come back and run after a restart. Serves CreateEventSourceMapping, GetEventSourceMapping,
 * ListEventSourceMappings, UpdateEventSourceMapping and DeleteEventSourceMapping. A mapping
 * outlives its function, as in Lambda: it invokes nothing while there is none.
 */
export class EventSourceMappings {
  readonly sqs: SqsMappings;
  readonly #store: ApiMappingStore;
  readonly #clock: Clock;
  readonly #place: MappingPlace;
  /** The self-managed Kafka mappings the API made: kept and answered, never read. */
  readonly #kafka = new Map<string, { definition: KafkaMappingDefinition; status: MappingStatus }>();
  #streams?: StreamMappingControl;

  constructor(private readonly options: EventSourceMappingsOptions) {
    this.#store = new ApiMappingStore(options.db);
    this.#clock = options.clock ?? systemClock;
    const { directory, region, accountId } = options;
    this.#place = { region, accountId, arnOf: (name) => directory.arnOf(name) };
    this.sqs = new SqsMappings(options.template, {
      ...options,
      api: {
        mappings: this.#store.sqs(),
        save: (definition, lastModified) => this.#store.changed({ kind: 'sqs', definition }, lastModified),
      },
    });
    for (const stored of this.#store.all()) {
      if (stored.kind !== 'kafka') continue;
      this.#kafka.set(stored.definition.uuid, {
        definition: stored.definition,
        status: this.#resting(stored.definition, stored.lastModified),
      });
    }
    this.retagTemplate();
  }

  /**
   * The template's mappings' tags into the TagStore, as their synthesis gives them (at the
   * start, after a reload of the SQS mappings, and when the pipes service hands over the stream
   * mappings it runs); those of a mapping that no longer runs go (a template's, dropped by a synthesis).
   */
  retagTemplate(): void {
    const made = new Set(this.#store.all().map(uuidOf));
    const running = new Set<string>();
    for (const mapping of this.#all()) {
      const arn = mappingArn(this.#place, mapping.uuid);
      running.add(arn);
      // Kafka's mappings are all the API's.
      if (mapping.templateTags !== undefined && !made.has(mapping.uuid)) this.options.tags.fromTemplate(arn, mapping.templateTags);
    }
    for (const arn of this.options.tags.taggedUnder(mappingArn(this.#place, ''))) {
      if (!running.has(arn) && !made.has(arn.slice(arn.lastIndexOf(':') + 1))) this.options.tags.forget(arn);
    }
  }

  /** The pipes service's stream mappings; the API's kept ones are handed to it to run. */
  attachStreams(control: StreamMappingControl): void {
    this.#streams = control;
    for (const { definition, lastModified } of this.#store.streams()) control.addStreamMapping(definition, { now: false, lastModified });
    this.retagTemplate();
  }

  /** The mappings the API made, each as its source and function (the start-up report names them). */
  madeLabels(): string[] {
    return this.#store.all().map((stored) => {
      if (stored.kind === 'kafka') {
        const { bootstrapServers, functionReference } = stored.definition;
        return `Kafka ${bootstrapServers.join(',')} -> ${functionReference} (not read locally)`;
      }
      const source = stored.kind === 'sqs' ? stored.definition.queueArn : stored.definition.sourceArn;
      const fn =
        stored.kind === 'sqs' ? (stored.definition.functionReference ?? stored.definition.functionName) : stored.definition.targetArn;
      return `${tryParseArn(source)?.resourceId ?? source} -> ${parseFunctionName(fn).name}`;
    });
  }

  async CreateEventSourceMapping(input: Input) {
    return this.#create(input);
  }

  async GetEventSourceMapping(input: Input) {
    return this.#find(String(input.UUID)).configuration();
  }

  async ListEventSourceMappings(input: Input) {
    return this.#list(input);
  }

  async UpdateEventSourceMapping({ UUID, ...changes }: Input) {
    return this.#update(String(UUID), changes);
  }

  async DeleteEventSourceMapping(input: Input) {
    return this.#delete(String(input.UUID));
  }

  async #create(input: Record<string, unknown>) {
    const uuid = randomUUID();
    checkTagCount(input.Tags as Record<string, string> | undefined);
    const created = await createdMapping(input, uuid, {
      functionOf: (reference) => {
        let resolved: ReturnType<FunctionDirectory<FunctionRuntime>['resolve']>;
        try {
          resolved = this.options.directory.resolve(reference);
        } catch (error) {
          if (error instanceof AwsError && error.code === 'ResourceNotFoundException') return undefined;
          throw error;
        }
        const role = resolved.fn.definition.template?.Role;
        const { name } = parseFunctionName(reference);
        return { name, arn: mappedArn(this.#place, reference), ...(typeof role === 'string' ? { roleArn: role } : {}) };
      },
      queueExists: async (queueArn) => {
        try {
          return (await this.options.sqs.GetQueueUrl({ QueueName: queueArn.split(':').pop() ?? '' })).QueueUrl !== undefined;
        } catch {
          // GetQueueUrl's refusal of a queue it does not have (QueueDoesNotExist).
          return false;
        }
      },
      streamExists: (arn) => this.#streams?.hasStream(arn) ?? false,
      queueRefusal: async (roleArn, queueArn, functionName) => this.options.authorizeSource?.(roleArn, queueArn, functionName),
      existing: () => this.#all().map((m) => ({ uuid: m.uuid, source: m.source, functionArn: m.functionArn, topics: m.topics })),
    });
    return this.#add(created, input.Tags as Record<string, string> | undefined);
  }

  /** Runs a new mapping where its kind runs, keeps it and its tags, and answers it `Creating`. */
  #add(created: CreatedMapping, tags: Record<string, string> | undefined) {
    const lastModified = this.#clock.now();
    this.#store.save({ ...created, lastModified });
    this.options.tags.created(mappingArn(this.#place, uuidOf(created)), tags);
    if (created.kind === 'sqs') return sqsMappingConfiguration(this.#place, created.definition, this.sqs.add(created.definition));
    if (created.kind === 'stream') {
      const streams = this.#streams;
      if (streams === undefined) throw new Error('no pipes service runs stream mappings: Lambda was started without it');
      return streamMappingConfiguration(this.#place, streams.addStreamMapping(created.definition, { now: true, lastModified }));
    }
    const status: MappingStatus = { state: 'Creating', lastModified };
    this.#kafka.set(created.definition.uuid, { definition: created.definition, status });
    this.options.log(
      created.definition.functionName,
      `event source mapping ${created.definition.uuid} of self-managed Kafka (${created.definition.bootstrapServers.join(', ')}) is kept but not read: the local runtime connects to no Kafka cluster`,
    );
    // It has nothing to connect before it rests in its state.
    queueMicrotask(() =>
      this.#kafka.set(created.definition.uuid, { definition: created.definition, status: this.#resting(created.definition, lastModified) }),
    );
    return kafkaMappingConfiguration(this.#place, created.definition, status);
  }

  #update(uuid: string, input: Record<string, unknown>) {
    validateLambdaInput('UpdateEventSourceMapping', { ...input, UUID: uuid });
    const found = this.#find(uuid);
    if (found.kind === 'stream') {
      const updated = this.#streams?.updateStreamMapping(uuid, (current) => updatedStreamMapping(current, input));
      if (updated === undefined) throw notFound();
      if (this.#made(uuid)) this.#store.changed({ kind: 'stream', definition: updated.definition }, updated.lastModified);
      return streamMappingConfiguration(this.#place, updated);
    }
    if (found.kind === 'kafka')
      throw new AwsError('InvalidParameterValueException', 'The local runtime changes no self-managed Kafka mapping: it reads none.');
    const resolveFunction = (functionName: string) => ({
      functionName: this.options.directory.resolve(functionName).fn.definition.name,
      functionReference: functionName,
    });
    const mapping = this.sqs.update(uuid, (current) => updatedMapping(current, input, resolveFunction));
    return sqsMappingConfiguration(this.#place, mapping, this.sqs.status(uuid));
  }

  /** DeleteEventSourceMapping: answered `Deleting`; the mapping stops and is gone. The template's mappings change with it only. */
  #delete(uuid: string) {
    const found = this.#find(uuid);
    if (!this.#made(uuid)) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Event source mapping ${uuid} comes from the app's cloud assembly: the local runtime removes it with the next synthesis, not through Lambda's API`,
      );
    }
    this.#store.delete(uuid);
    this.options.tags.forget(mappingArn(this.#place, uuid));
    if (found.kind === 'sqs') {
      const { mapping, status } = this.sqs.remove(uuid);
      return sqsMappingConfiguration(this.#place, mapping, status);
    }
    if (found.kind === 'stream')
      return streamMappingConfiguration(this.#place, (this.#streams as StreamMappingControl).deleteStreamMapping(uuid));
    const kafka = this.#kafka.get(uuid) as { definition: KafkaMappingDefinition; status: MappingStatus };
    this.#kafka.delete(uuid);
    return kafkaMappingConfiguration(this.#place, kafka.definition, { ...kafka.status, state: 'Deleting' });
  }

  /**
   * TagResource, UntagResource and ListTags of a mapping (its ARN), or undefined for another
   * resource's. The template's mappings' tags are their template's (retagTemplate) and change with it only.
   */
  tagging(operation: 'TagResource' | 'UntagResource' | 'ListTags', input: Input): object | undefined {
    const resource = String(input.Resource ?? '');
    const arn = tryParseArn(resource);
    if (arn?.resourceType !== 'event-source-mapping') return undefined;
    const found = this.#all().find((m) => m.uuid === arn.resourceId);
    if (found === undefined) throw new AwsError('ResourceNotFoundException', `Event source mapping not found: ${resource}`, 404);
    const kept = mappingArn(this.#place, found.uuid);
    if (operation === 'ListTags') return { Tags: this.options.tags.of(kept) };
    if (!this.#made(found.uuid)) {
      throw new AwsError(
        'InvalidParameterValueException',
        `Event source mapping ${found.uuid} comes from the app's cloud assembly: its tags change with the next synthesis, not through Lambda's API`,
      );
    }
    if (operation === 'TagResource') this.options.tags.tag(kept, input.Tags as Record<string, string> | undefined);
    else this.options.tags.untag(kept, (input.TagKeys ?? []) as string[]);
    return {};
  }

  #made(uuid: string): boolean {
    return this.#store.all().some((m) => uuidOf(m) === uuid);
  }

  #find(uuid: string) {
    const found = this.#all().find((m) => m.uuid === uuid);
    if (found === undefined) throw notFound();
    return found;
  }

  #list(input: Input) {
    const { FunctionName: functionName, EventSourceArn: eventSourceArn } = input;
    // Lambda matches the function exactly: a mapping on an alias is listed for the alias's ARN, not the function's.
    const wanted = functionName === undefined ? undefined : mappedArn(this.#place, String(functionName));
    const mappings = this.#all()
      .filter((m) => eventSourceArn === undefined || m.source === eventSourceArn)
      .filter((m) => wanted === undefined || m.functionArn === wanted)
      .map((m) => m.configuration());
    const { items, next } = listPage(mappings, input, LIST_MAPPINGS_PAGE, (m) => m.UUID);
    return { EventSourceMappings: items, ...(next ? { NextMarker: next } : {}) };
  }

  /** Every mapping (SQS's, the streams', Kafka's), with what lists and checks pick them by and its answer. */
  #all() {
    const place = this.#place;
    return [
      ...this.sqs.definitions.map((m) => ({
        kind: 'sqs' as const,
        uuid: m.uuid,
        source: m.queueArn,
        functionArn: mappedArn(place, m.functionReference ?? m.functionName),
        topics: undefined as readonly string[] | undefined,
        templateTags: m.tags ?? {},
        configuration: () => sqsMappingConfiguration(place, m, this.sqs.status(m.uuid)),
      })),
      ...(this.#streams?.streamMappings() ?? []).map((m) => ({
        kind: 'stream' as const,
        uuid: m.definition.arn,
        source: m.definition.sourceArn,
        functionArn: mappedArn(place, m.definition.targetArn),
        topics: undefined,
        templateTags: m.definition.mapping?.tags ?? {},
        configuration: () => streamMappingConfiguration(place, m),
      })),
      ...[...this.#kafka.values()].map(({ definition, status }) => ({
        kind: 'kafka' as const,
        uuid: definition.uuid,
        source: definition.bootstrapServers.join(','),
        functionArn: mappedArn(place, definition.functionReference),
        topics: definition.topics,
        templateTags: undefined as Readonly<Record<string, string>> | undefined,
        configuration: () => kafkaMappingConfiguration(place, definition, status),
      })),
    ];
  }

  #resting(definition: KafkaMappingDefinition, lastModified: number): MappingStatus {
    return { state: definition.enabled ? 'Enabled' : 'Disabled', lastModified };
  }

  /**
   * What an SQS mapping invokes for the function, version or alias it names: each batch runs
   * the version its qualifier names now (an alias's routing picks per batch), as Lambda's do.
   */
  static versionTarget(directory: FunctionDirectory<FunctionRuntime>, fn: FunctionRuntime, reference: string): FunctionRuntime {
    if (parseFunctionName(reference).qualifier === undefined) return fn;
    const target = {
      get definition() {
        return fn.definition;
      },
      get maxConcurrency() {
        return fn.maxConcurrency;
      },
      invoke: (event: unknown, options: Parameters<FunctionRuntime['invoke']>[1] = {}) => {
        const resolved = directory.resolve(reference, undefined, true);
        return resolved.fn.invoke(event, { ...options, invokedFunctionArn: resolved.arn, version: invokedVersion(resolved) });
      },
    };
    // Only these three members are what a poller uses of a function (sqs-event-source.ts).
    return target as unknown as FunctionRuntime;
  }
}

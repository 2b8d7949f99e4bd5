import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { canonical } from '../json/canonical-json.js';
import type { CustomBusEvent } from '../targets/dispatcher.js';
import type { LoadedApp } from '../template/load.js';
import type { Clock } from '../time/clock.js';
import { checkFilterConfiguration, checkRoleAccount, checkStartingPosition, checkTarget, eventSourceType, invalidInput } from './checks.js';
import { compileSelection } from './delivery/selection.js';
import { SubscriberDelivery, type SubscriberDeliveryOptions } from './delivery/subscriber-delivery.js';
import { forwardedEntries, putEventsEntries, putRawEventsEntries } from './entries.js';
import { type ArnContext, arnKind, busArn, eventSourceArn, newOpaqueId, subscriberArn } from './ids.js';
import { answered, type EntryResult, EventAcceptance } from './publishing.js';
import { ResourcePolicies } from './resource-policies.js';
import { nameOf, page, pick, SUBSCRIBER_SETTINGS, withDefaults } from './shapes.js';
import { type BusRecord, EventBridgeV2Store, type EventSourceRecord, type Fields, type SubscriberRecord } from './store.js';
import { declareTemplateResources } from './template-resources.js';

type Input = Fields;

const notFound = (what: string, arn: unknown) => new AwsError('ResourceNotFoundException', `${what} ${String(arn)} does not exist.`, 404);
const revoked = (what: string, arn: string) =>
  new AwsError('InvalidStateException', `${what} ${arn} is revoked: only its deletion is allowed (revocation is terminal).`, 409);

/**
 * EventBridge's custom event buses (the `eventbridgev2` API, 2025-05-15): buses, subscribers
 * with their filters and transforms, event sources, resource policies and tags, kept in
 * SQLite. Each PascalCase method is the API operation of its name, taking and answering the
 * API's JSON shapes; the model-driven RPC v2 CBOR codec speaks them. Provisioning is
 * immediate: a bus, an event source or a subscriber is ACTIVE (RUNNING) when its Create
 * answers, and a deleted one is gone when its Delete answers.
 */
export class EventBridgeV2Service {
  readonly store: EventBridgeV2Store;
  readonly #policies: ResourcePolicies;
  /** The events PutEvents and PutRawEvents accepted: each bus's retained log. */
  readonly events: EventAcceptance;
  /** Delivery of the retained events to subscribers (undefined: events are kept, nothing delivers them). */
  readonly delivery?: SubscriberDelivery;

  constructor(
    db: DatabaseSync,
    private readonly context: ArnContext & {
      readonly clock: Clock;
      /** How events reach targets; without, the control plane runs alone (the API's unit tests). */
      readonly delivery?: Omit<SubscriberDeliveryOptions, 'db' | 'clock' | 'store'>;
    },
  ) {
    this.store = new EventBridgeV2Store(db);
    this.#policies = new ResourcePolicies(this.store, context.clock);
    const delivery = context.delivery && new SubscriberDelivery({ ...context.delivery, db, clock: context.clock, store: this.store });
    this.delivery = delivery;
    this.events = new EventAcceptance(db, context.clock, (busArn) => delivery?.accepted(busArn), context.delivery?.onPublished);
  }

  /** The template's buses, subscribers, event sources and policies, under the ARNs their Refs resolve to (template-resources.ts). */
  declare(app: LoadedApp): void {
    this.store.atomically(() => {
      declareTemplateResources(this.store, app, this.context.clock.now(), withDefaults);
      // A template subscriber reads from its first start on (LATEST), or from where it was.
      for (const subscriber of this.store.subscribers.all()) this.delivery?.follow(subscriber);
    });
  }

  /** What it keeps, for the start-up report: retained events, events owed to subscribers, events dropped. */
  counts(): { buses: number; subscribers: number; retained: number; pending: number; dropped: number } {
    return {
      buses: this.store.buses.all().length,
      subscribers: this.store.subscribers.all().length,
      retained: this.events.retained(),
      ...(this.delivery?.counts() ?? { pending: 0, dropped: 0 }),
    };
  }

  // Event buses

  async CreateEventBus(input: Input): Promise<Fields> {
    return this.#idempotent('CreateEventBus', input, () => {
      const name = input.Name as string;
      if (this.store.buses.all().some((bus) => bus.Name === name))
        throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`, 409);
      const now = this.context.clock.now();
      const bus: BusRecord = {
        Name: name,
        EventBusArn: busArn(this.context, name, newOpaqueId()),
        ...pick(input, ['Description', 'EncryptionConfiguration', 'StorageConfiguration']),
        CreationTime: now,
        LastModifiedTime: now,
        Policies: {},
      };
      this.store.buses.put(bus.EventBusArn, bus);
      this.store.tags.tag(bus.EventBusArn, Object.entries((input.Tags ?? {}) as Record<string, string>));
      return bus.EventBusArn;
    }).then((arn) => this.#busAnswer(this.#bus(arn), ['EventBusArn', 'Name', 'Description', 'EncryptionConfiguration', 'CreationTime']));
  }

  async DescribeEventBus(input: Input): Promise<Fields> {
    return this.#busAnswer(this.#bus(input.EventBusArn), [
      'EventBusArn',
      'Name',
      'Description',
      'EncryptionConfiguration',
      'CreationTime',
      'LastModifiedTime',
    ]);
  }

  async UpdateEventBus(input: Input): Promise<Fields> {
    const bus = this.#bus(input.EventBusArn);
    const updated: BusRecord = {
      ...bus,
      ...pick(input, ['Description', 'EncryptionConfiguration', 'StorageConfiguration']),
      LastModifiedTime: this.context.clock.now(),
    };
    this.store.buses.put(bus.EventBusArn, updated);
    return this.#busAnswer(updated, ['EventBusArn', 'Name', 'Description', 'EncryptionConfiguration', 'LastModifiedTime']);
  }

  async DeleteEventBus(input: Input): Promise<Fields> {
    const bus = this.#bus(input.EventBusArn);
    const subscribers = this.store.subscribers.all().filter((s) => s.EventBusArn === bus.EventBusArn).length;
    const sources = this.store.sources.all().filter((s) => s.EventBusArn === bus.EventBusArn).length;
    if (subscribers + sources > 0)
      throw new AwsError(
        'ResourceInUseException',
        `Event bus ${bus.EventBusArn} has ${subscribers} subscriber(s) and ${sources} event source(s): delete them before the bus.`,
        409,
      );
    this.store.remove(this.store.buses, bus.EventBusArn);
    this.events.forget(bus.EventBusArn);
    return {};
  }

  async ListEventBuses(input: Input): Promise<Fields> {
    const account = input.EventBusAccountId;
    const buses = this.store.buses
      .all()
      // Buses shared with the account through RAM are not modelled: another account's list is empty.
      .filter(() => account === undefined || account === this.context.accountId)
      .filter((bus) => input.NamePrefix === undefined || bus.Name.startsWith(input.NamePrefix as string));
    const { items, NextToken } = page(buses, input, nameOf);
    return {
      EventBuses: items.map((bus) => ({
        ...this.#busAnswer(bus, ['Name', 'EventBusArn', 'Description', 'CreationTime', 'LastModifiedTime']),
        EventBusAccountId: this.context.accountId,
      })),
      NextToken,
    };
  }

  // Subscribers

  async CreateSubscriber(input: Input): Promise<Fields> {
    const arn = await this.#idempotent('CreateSubscriber', input, () => {
      const bus = this.#bus(input.EventBusArn);
      const name = input.Name as string;
      if (this.store.subscribers.all().some((s) => s.EventBusArn === bus.EventBusArn && s.Name === name))
        throw new AwsError('ResourceAlreadyExistsException', `Subscriber ${name} already exists on event bus ${bus.Name}.`, 409);
      const invoke = input.InvokeConfiguration as Fields;
      checkRoleAccount(invoke, this.context.accountId);
      if (input.FilterConfiguration === undefined) throw invalidInput('FilterConfiguration is required: it selects the events delivered');
      checkFilterConfiguration(input.FilterConfiguration as Fields, false);
      checkTarget(input);
      checkStartingPosition(input);
      // What the checks above leave: the target parameters' {% %} expressions compile (eb-custom-bus-transform).
      compileSelection(input);
      const now = this.context.clock.now();
      const subscriber: SubscriberRecord = {
        Name: name,
        SubscriberArn: subscriberArn(this.context, name, newOpaqueId()),
        EventBusArn: bus.EventBusArn,
        configuration: withDefaults(pick(input, SUBSCRIBER_SETTINGS)),
        CreationTime: now,
        LastModifiedTime: now,
      };
      this.store.subscribers.put(subscriber.SubscriberArn, subscriber);
      this.store.tags.tag(subscriber.SubscriberArn, Object.entries((input.Tags ?? {}) as Record<string, string>));
      // Its cursor, at its StartingPosition, in the transaction that creates it.
      this.delivery?.follow(subscriber);
      return subscriber.SubscriberArn;
    });
    const subscriber = this.#subscriber(arn);
    return {
      ...pick(this.#subscriberAnswer(subscriber), ['SubscriberArn', 'Name', 'EventBusArn', 'Type', 'StartingPosition']),
      ...pick(subscriber.configuration, ['PointInTimeConfiguration', 'State']),
      CreationTime: subscriber.CreationTime,
    };
  }

  async DescribeSubscriber(input: Input): Promise<Fields> {
    return this.#subscriberAnswer(this.#subscriber(input.SubscriberArn));
  }

  async UpdateSubscriber(input: Input): Promise<Fields> {
    const subscriber = this.#subscriber(input.SubscriberArn);
    if (subscriber.Revoked) throw revoked('Subscriber', subscriber.SubscriberArn);
    const current = subscriber.configuration;
    const invoke = input.InvokeConfiguration as Fields | undefined;
    checkRoleAccount(invoke, this.context.accountId);
    checkFilterConfiguration(input.FilterConfiguration as Fields | undefined, true);
    // The target stays the subscriber's: an update's invoke configuration carries no TargetArn.
    const targetArn = (current.InvokeConfiguration as Fields).TargetArn;
    const changes: Record<string, unknown> = pick(input, [
      'Description',
      'State',
      'BatchConfiguration',
      'Transformer',
      'RetryPolicy',
      'OnFailureConfiguration',
      'LogConfiguration',
    ]);
    if (invoke !== undefined) changes.InvokeConfiguration = { ...invoke, TargetArn: targetArn };
    const filter = input.FilterConfiguration as Fields | undefined;
    const configuration: Record<string, unknown> = { ...current, ...changes };
    if (filter !== undefined && Object.keys(filter).length === 0) delete configuration.FilterConfiguration;
    else if (filter !== undefined) configuration.FilterConfiguration = filter;
    checkTarget(configuration);
    compileSelection(configuration);
    const updated: SubscriberRecord = {
      ...subscriber,
      configuration: withDefaults(configuration),
      LastModifiedTime: this.context.clock.now(),
    };
    this.store.subscribers.put(updated.SubscriberArn, updated);
    // Resumed (State RUNNING), or filtered or batched otherwise: it looks at its events again.
    this.delivery?.changed(updated.SubscriberArn);
    return {
      ...pick(this.#subscriberAnswer(updated), ['SubscriberArn', 'Name', 'EventBusArn', 'Type', 'StartingPosition', 'State']),
      ...pick(updated.configuration, ['PointInTimeConfiguration']),
      LastModifiedTime: updated.LastModifiedTime,
    };
  }

  async DeleteSubscriber(input: Input): Promise<Fields> {
    const subscriber = this.#subscriber(input.SubscriberArn);
    this.store.remove(this.store.subscribers, subscriber.SubscriberArn);
    this.delivery?.changed(subscriber.SubscriberArn);
    return {};
  }

  async ListSubscribers(input: Input): Promise<Fields> {
    if (input.EventBusArn !== undefined) this.#bus(input.EventBusArn);
    const subscribers = this.store.subscribers
      .all()
      .filter((s) => input.EventBusArn === undefined || s.EventBusArn === input.EventBusArn)
      .filter((s) => input.NamePrefix === undefined || s.Name.startsWith(input.NamePrefix as string));
    const { items, NextToken } = page(subscribers, input, nameOf);
    return {
      Subscribers: items.map((s) => ({
        ...pick(this.#subscriberAnswer(s), ['SubscriberArn', 'Name', 'EventBusArn', 'Type', 'Revoked', 'State']),
        TargetArn: (s.configuration.InvokeConfiguration as Fields).TargetArn,
        CreationTime: s.CreationTime,
        LastModifiedTime: s.LastModifiedTime,
        SubscriberAccountId: this.context.accountId,
      })),
      NextToken,
    };
  }

  // Event sources

  async CreateEventSource(input: Input): Promise<Fields> {
    const arn = await this.#idempotent('CreateEventSource', input, () => {
      const bus = this.#bus(input.EventBusArn);
      const name = input.Name as string;
      const type = eventSourceType(input.Configuration as Fields);
      if (this.store.sources.all().some((s) => s.EventBusArn === bus.EventBusArn && s.Name === name))
        throw new AwsError('ResourceAlreadyExistsException', `Event source ${name} already exists on event bus ${bus.Name}.`, 409);
      const now = this.context.clock.now();
      const source: EventSourceRecord = {
        Name: name,
        EventSourceArn: eventSourceArn(this.context, type, name, newOpaqueId()),
        EventBusArn: bus.EventBusArn,
        Configuration: input.Configuration as Fields,
        ...pick(input, ['Description']),
        CreationTime: now,
        LastModifiedTime: now,
      };
      this.store.sources.put(source.EventSourceArn, source);
      this.store.tags.tag(source.EventSourceArn, Object.entries((input.Tags ?? {}) as Record<string, string>));
      return source.EventSourceArn;
    });
    const source = this.#source(arn);
    return { ...pick(source, ['EventSourceArn', 'Name', 'EventBusArn', 'CreationTime']), State: 'ACTIVE' };
  }

  async DescribeEventSource(input: Input): Promise<Fields> {
    const source = this.#source(input.EventSourceArn);
    return {
      ...pick(source, [
        'EventSourceArn',
        'Name',
        'EventBusArn',
        'Configuration',
        'Description',
        'Revoked',
        'CreationTime',
        'LastModifiedTime',
      ]),
      State: 'ACTIVE',
    };
  }

  async UpdateEventSource(input: Input): Promise<Fields> {
    const source = this.#source(input.EventSourceArn);
    if (source.Revoked) throw revoked('Event source', source.EventSourceArn);
    const configuration = input.Configuration as Fields | undefined;
    if (configuration !== undefined) {
      const type = eventSourceType(configuration);
      if (eventSourceArn(this.context, type, '', '').split('/')[1] !== source.EventSourceArn.split('/')[1])
        throw invalidInput(`Configuration cannot change the event source's type: ${source.EventSourceArn} keeps its origin`);
    }
    const updated: EventSourceRecord = {
      ...source,
      ...(configuration ? { Configuration: configuration } : {}),
      ...pick(input, ['Description']),
      LastModifiedTime: this.context.clock.now(),
    };
    this.store.sources.put(updated.EventSourceArn, updated);
    return { ...pick(updated, ['EventSourceArn', 'Name', 'EventBusArn', 'LastModifiedTime']), State: 'ACTIVE' };
  }

  async DeleteEventSource(input: Input): Promise<Fields> {
    this.store.remove(this.store.sources, this.#source(input.EventSourceArn).EventSourceArn);
    return {};
  }

  async ListEventSources(input: Input): Promise<Fields> {
    if (input.EventBusArn !== undefined) this.#bus(input.EventBusArn);
    const sources = this.store.sources
      .all()
      .filter((s) => input.EventBusArn === undefined || s.EventBusArn === input.EventBusArn)
      .filter((s) => input.NamePrefix === undefined || s.Name.startsWith(input.NamePrefix as string));
    const { items, NextToken } = page(sources, input, nameOf);
    return {
      EventSources: items.map((s) => ({
        ...pick(s, ['EventSourceArn', 'Name', 'EventBusArn', 'Revoked', 'CreationTime', 'LastModifiedTime']),
        Type: s.EventSourceArn.includes(':event-sourcev2/aws.service/') ? 'AWS_SERVICE_EVENTS' : 'PARTNER_EVENTS',
        State: 'ACTIVE',
        EventSourceAccountId: this.context.accountId,
      })),
      NextToken,
    };
  }

  // Publishing: accepted into the bus's retained log, read by each subscriber from its cursor

  async PutEvents(input: Input): Promise<Fields> {
    const bus = this.#bus(input.EventBusArn);
    return answered(this.events.accept(bus, putEventsEntries(input, this.#place(bus))));
  }

  async PutRawEvents(input: Input): Promise<Fields> {
    const bus = this.#bus(input.EventBusArn);
    return answered(this.events.accept(bus, putRawEventsEntries(input, this.#place(bus))));
  }

  /** What a subscriber or a classic rule targeting this bus puts there, as new events (entries.ts); no such bus: ResourceNotFoundException. */
  forward(targetBusArn: string, events: readonly CustomBusEvent[]): EntryResult[] {
    const bus = this.#bus(targetBusArn);
    return this.events.accept(bus, forwardedEntries(events, this.#place(bus)));
  }

  #place(bus: BusRecord) {
    return { busArn: bus.EventBusArn, accountId: this.context.accountId, region: this.context.region, now: this.context.clock.now() };
  }

  // Resource policies, revocation and tags

  async PutResourcePolicy(input: Input): Promise<Fields> {
    return this.#policies.put(this.#bus(input.ResourceArn), input);
  }

  async GetResourcePolicy(input: Input): Promise<Fields> {
    return this.#policies.get(this.#bus(input.ResourceArn), input);
  }

  async DeleteResourcePolicy(input: Input): Promise<Fields> {
    return this.#policies.delete(this.#bus(input.ResourceArn), input);
  }

  async ListResourcePolicies(input: Input): Promise<Fields> {
    const { items, NextToken } = page(this.#policies.list(this.#bus(input.ResourceArn)), input, (policy) => policy.PolicyName);
    return { PolicySummaries: items, NextToken };
  }

  async RevokeResource(input: Input): Promise<Fields> {
    const arn = input.Arn as string;
    if (arnKind(arn) === 'subscriber') {
      const subscriber = this.#subscriber(arn);
      this.store.subscribers.put(arn, { ...subscriber, Revoked: true, LastModifiedTime: this.context.clock.now() });
    } else {
      const source = this.#source(arn);
      this.store.sources.put(arn, { ...source, Revoked: true, LastModifiedTime: this.context.clock.now() });
    }
    return { Arn: arn };
  }

  async TagResource(input: Input): Promise<Fields> {
    this.store.tags.tag(this.#retaggable(input.ResourceArn as string), Object.entries(input.Tags as Record<string, string>));
    return {};
  }

  async UntagResource(input: Input): Promise<Fields> {
    this.store.tags.untag(this.#retaggable(input.ResourceArn as string), input.TagKeys as string[]);
    return {};
  }

  async ListTagsForResource(input: Input): Promise<Fields> {
    const arn = input.ResourceArn as string;
    this.#tagged(arn);
    return { Tags: this.store.tags.map(arn) };
  }

  // Lookups and answers

  #bus(arn: unknown): BusRecord {
    const bus = typeof arn === 'string' ? this.store.buses.get(arn) : undefined;
    if (bus === undefined) throw notFound('Event bus', arn);
    return bus;
  }

  #subscriber(arn: unknown): SubscriberRecord {
    const subscriber = typeof arn === 'string' ? this.store.subscribers.get(arn) : undefined;
    if (subscriber === undefined) throw notFound('Subscriber', arn);
    return subscriber;
  }

  #source(arn: unknown): EventSourceRecord {
    const source = typeof arn === 'string' ? this.store.sources.get(arn) : undefined;
    if (source === undefined) throw notFound('Event source', arn);
    return source;
  }

  #tagged(arn: string): BusRecord | SubscriberRecord | EventSourceRecord {
    const kind = arnKind(arn);
    return kind === 'bus' ? this.#bus(arn) : kind === 'subscriber' ? this.#subscriber(arn) : this.#source(arn);
  }

  /** The ARN of a resource whose tags may change: one that exists and is not revoked. */
  #retaggable(arn: string): string {
    const resource = this.#tagged(arn);
    if ('Revoked' in resource && resource.Revoked) throw revoked('Resource', arn);
    return arn;
  }

  #busAnswer(bus: BusRecord, members: readonly (keyof BusRecord)[]): Fields {
    const days = bus.StorageConfiguration?.RetentionPeriodInDays;
    return {
      ...pick(bus, members),
      ...(days === undefined
        ? {}
        : {
            StorageConfiguration: {
              RetentionPeriodInDays: days,
              RetentionWindowStartTime: Math.max(bus.CreationTime, this.context.clock.now() - days * 86_400_000),
            },
          }),
      State: 'ACTIVE',
    };
  }

  #subscriberAnswer(subscriber: SubscriberRecord): Fields {
    return {
      ...pick(subscriber, ['SubscriberArn', 'Name', 'EventBusArn']),
      ...subscriber.configuration,
      ...(subscriber.Revoked ? { Revoked: true } : {}),
      CreationTime: subscriber.CreationTime,
      LastModifiedTime: subscriber.LastModifiedTime,
    };
  }

  /**
   * Runs a Create once per client token: a retry with the same token and request gets the
   * resource the first made; with another request, IdempotentParameterMismatchException.
   */
  async #idempotent(operation: string, input: Input, create: () => string): Promise<string> {
    const token = input.ClientToken;
    if (typeof token !== 'string') return create();
    const { ClientToken: _token, ...request } = input;
    const key = `${operation}/${token}`;
    const request_ = JSON.stringify(canonical(request));
    return this.store.atomically(() => {
      const earlier = this.store.tokens.get(key);
      if (earlier !== undefined) {
        if (earlier.request !== request_)
          throw new AwsError(
            'IdempotentParameterMismatchException',
            `ClientToken ${token} was used with a different ${operation} request: use a new token, or resend the earlier request unchanged.`,
            409,
          );
        return earlier.arn;
      }
      const arn = create();
      this.store.tokens.put(key, { request: request_, arn });
      return arn;
    });
  }
}

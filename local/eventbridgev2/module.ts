import type { BusEventRecord } from '../../clients/read-api-contract.js';
import { AwsError } from '../endpoint/aws-error.js';
import { ApiDestinationCaller } from '../events/api-destination-call.js';
import { apiDestinations } from '../events/api-destinations.js';
import { callHttp, httpEndpointOf, httpParametersOf } from '../pipes/pipe-http.js';
import type { ReadRecorder } from '../read-api/read-api.js';
import type { ReadRecording } from '../read-api/read-notes.js';
import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { TargetDispatcher } from '../targets/dispatcher.js';
import { QueuesByArn } from '../targets/queues.js';
import { type UniversalTargetCalls, universalTargetOf } from './delivery/universal-targets.js';
import { EventBridgeV2Service } from './eventbridgev2-service.js';
import { eventBridgeV2Iam } from './iam-authorizations.js';
import { eventBridgeV2Protocol } from './protocol.js';
import { type PublishedEvent, publishedEvents } from './published.js';
import type { EntryResult } from './publishing.js';
import { customBusesReads } from './read-routes.js';
import { EVENTBRIDGEV2_TYPE_SPECS } from './resource-types.js';
import type { Fields, SubscriberRecord } from './store.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    eventbridgev2: EventBridgeV2Service;
  }
}

/** Its notes to the read API (local/read-api/read-notes.ts). */
declare module '../read-api/read-notes.js' {
  interface ReadNotes {
    /**
     * A Custom Event Bus published an event, committed (its own database): recorded as a classic
     * bus's event is, its subscribers in the place of the rules it matched, so that trace and
     * lineage show it and the `delivery` notes of its subscribers land on it.
     */
    customBusEvent: PublishedEvent;
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    eventbridgev2: 'eventbridgev2';
  }
}

/**
 * What an app with custom event buses is told at start-up: where delivery differs from AWS
 * (docs/local-runtime/eventbridgev2.md, "Where it differs from AWS").
 */
export const DELIVERY_DIFFERENCES =
  'EventBridge custom event buses (AWS::EventsV2): subscribers deliver to Lambda, SQS, SNS, Kinesis, Firehose (PutRecordBatch into the local delivery stream), Step Functions, Custom Event Bus and Custom Event Bus - Classic (bus to bus, with loop detection), HTTP targets (API destinations through their connections, API Gateway methods on the local endpoint) and universal targets (aws-sdk:<service>:<action>, through the AWS SDK integrations Step Functions runs, for the services hosted here); delivery roles are not checked; a bus without StorageConfiguration retains events 1 day (docs/local-runtime/eventbridgev2.md)';

/**
 * The start-up line of each subscriber whose universal target the runtime cannot run (a service
 * it does not host, an action its service does not implement): each of its events fails naming
 * the same reason, so the user hears of it before the first event is dead-lettered.
 */
export function universalTargetWarnings(subscribers: readonly SubscriberRecord[], calls: () => UniversalTargetCalls): string[] {
  return subscribers.flatMap((subscriber) => {
    const targetArn = (subscriber.configuration.InvokeConfiguration as Fields | undefined)?.TargetArn;
    const target = universalTargetOf(targetArn);
    const reason = target && unsupportedReason(calls, target);
    return reason
      ? [
          `EventBridge subscriber ${subscriber.Name}: its universal target ${String(targetArn)} cannot run locally (${reason}); its events fail and go to its OnFailureConfiguration queue`,
        ]
      : [];
  });
}

/** Why the target cannot run, or undefined; a runtime started without Step Functions (`modules`) has no integrations to call through. */
function unsupportedReason(calls: () => UniversalTargetCalls, target: { service: string; action: string }): string | undefined {
  let integrations: UniversalTargetCalls;
  try {
    integrations = calls();
  } catch (error) {
    return `Step Functions' AWS SDK integrations, which universal targets call through, are not running: ${(error as Error).message}`;
  }
  return integrations.unsupported(target.service, target.action);
}

/**
 * EventBridge's custom event buses (`eventbridgev2`, `aws eventsv2`): the control plane of
 * buses, subscribers, event sources, resource policies and tags, over Smithy RPC v2 CBOR from
 * the model, and the template's `AWS::EventsV2::*` resources. PutEvents and PutRawEvents are
 * kept in each bus's retained log, which every subscriber reads from its own cursor and
 * delivers, in batches, through the runtime's TargetDispatcher (docs/local-runtime/eventbridgev2.md).
 */
export const eventBridgeV2Module: ServiceModule<'eventbridgev2', { apiDestinations: ReturnType<typeof apiDestinations> }> = {
  name: 'eventbridgev2',
  iam: eventBridgeV2Iam,
  // The operations it serves are EventBridgeV2Service's methods.
  apis: [{ model: 'eventbridgev2', operations: apiOperations(EventBridgeV2Service), protocolFromModel: true }],
  databases: ['eventbridgev2'],
  needs: ['template', 'readApi', 'traces', 'sqs', 'sns', 'lambda', 'kinesis', 'events', 'firehose'],
  resourceTypes: EVENTBRIDGEV2_TYPE_SPECS,
  records: (recorder: ReadRecorder): ReadRecording => ({
    customBusEvent: (published) => {
      const record = customBusEventRecord(published);
      recorder.records.addEvent(record);
      if (recorder.listening) recorder.publish({ kind: 'event', event: record });
    },
  }),
  // API destination targets are called through their connections, as rules and pipes call them.
  definitions: (app) => ({ apiDestinations: apiDestinations(app) }),
  create({ services, settings, database, warn }, { apiDestinations: destinations }) {
    const lambda = services.get('lambda');
    const readApi = services.get('readApi');
    const { spans } = services.get('traces');
    const invokeAsync = lambda.invokeAsync.bind(lambda);
    const dispatcher = new TargetDispatcher({
      sqs: new QueuesByArn(services.get('sqs')),
      sns: services.get('sns'),
      // A Custom Event Bus - Classic target: PutEvents, each entry keyed by its event id.
      events: services.get('events'),
      lambda: { invoke: (fn, event, options) => lambda.invoke(fn, event, options), invokeAsync },
      // Step Functions is created after this service (it needs EventBridge): looked up when a batch is delivered.
      states: {
        StartExecution: (input) => services.get('states').StartExecution(input),
        StartSyncExecution: (input) => services.get('states').StartSyncExecution(input),
      },
      kinesis: { PutRecord: (input) => services.get('kinesis').api.PutRecord(input) },
      // A Firehose target: its records through PutRecordBatch, up to 500 a call (eb-custom-bus-target-firehose).
      firehose: {
        PutRecord: (input) => services.get('firehose').PutRecord(input),
        PutRecordBatch: (input) => services.get('firehose').PutRecordBatch(input),
      },
      // A Custom Event Bus target (bus to bus): the service's own acceptance, created just below.
      customBuses: { forward: (busArn, events): EntryResult[] => service.forward(busArn, events) },
    });
    const httpServices = {
      apiDestinations: new ApiDestinationCaller(settings.clock),
      apiGatewayUrl: `${settings.url}/_aws/execute-api/`,
    };
    // An HTTP target's HttpParameters are resolved per event already: the call sends them as they are.
    const http = async (targetArn: string, body: string, parameters: Record<string, unknown>) => {
      const endpoint = httpEndpointOf(targetArn, destinations);
      if (typeof endpoint === 'string') throw new AwsError('TargetNotRunLocally', endpoint, 500);
      return callHttp(httpServices, { endpoint, parameters: httpParametersOf(parameters) }, {}, body);
    };
    // Step Functions is created after this service: its AWS SDK integrations are looked up when a universal target is called.
    const universal = () => services.get('states').sdkIntegrations;
    const service = new EventBridgeV2Service(database('eventbridgev2'), {
      region: settings.region,
      accountId: settings.accountId,
      clock: settings.clock,
      delivery: {
        dispatcher,
        http,
        universal,
        log: (line) => settings.log(`[eventbridgev2] ${line}`),
        // Where Custom Event Bus - Classic records its deliveries: the read API's records and feed (trace, failures) and the runtime's spans.
        onDelivery: (note) => {
          readApi.record('delivery', note);
          spans.targetAttempt(note);
        },
        // The event itself, where a classic bus's are recorded: the deliveries above are recorded on it.
        onPublished: (bus, events) => {
          for (const published of publishedEvents(service.store, bus, events, settings.clock.now())) {
            readApi.record('customBusEvent', published);
          }
        },
      },
    });
    const protocol = eventBridgeV2Protocol(service);
    return {
      service,
      mounts: { rest: [protocol], reads: customBusesReads(service.store, service.delivery?.cursors) },
      start: () => {
        const { app } = services.get('template');
        service.declare(app);
        service.delivery?.start();
        if (app.stacks.some((stack) => stack.resources.some((r) => r.type.startsWith('AWS::EventsV2::'))))
          warn([DELIVERY_DIFFERENCES, ...universalTargetWarnings(service.store.subscribers.all(), universal)]);
      },
      stop: () => service.delivery?.stop(),
    };
  },
  report: (service) => {
    const counts = service.counts();
    return {
      counts: {
        'custom event buses': counts.buses,
        subscribers: counts.subscribers,
        ...(counts.pending > 0 ? { 'custom bus events owed to subscribers': counts.pending } : {}),
        ...(counts.dropped > 0 ? { 'custom bus events dropped (EventsDropped)': counts.dropped } : {}),
      },
    };
  },
};

/**
 * A published event as the read API records a bus's events (clients/read-api-contract.ts): each
 * subscriber that selects it in a matched rule's place, its one target the subscriber's target
 * under the subscriber's name, the id and ARN its delivery notes carry (delivery/subscriber-delivery.ts).
 */
function customBusEventRecord({ bus, event, subscribers, acceptedAt }: PublishedEvent): BusEventRecord {
  return {
    id: String(event.id),
    bus: bus.Name,
    source: String(event.source),
    detailType: String(event['detail-type']),
    time: String(event.time),
    acceptedAt: new Date(acceptedAt).toISOString(),
    detail: event.detail,
    matched: subscribers.map((subscriber) => ({
      rule: subscriber.Name,
      ruleArn: subscriber.SubscriberArn,
      targets: [
        {
          id: subscriber.Name,
          arn: String((subscriber.configuration.InvokeConfiguration as { TargetArn?: unknown } | undefined)?.TargetArn),
          outcome: 'pending' as const,
        },
      ],
    })),
  };
}

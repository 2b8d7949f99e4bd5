import { apiOperations } from '../services/operation-table.js';
import type { ServiceModule } from '../services/service-module.js';
import { TargetDispatcher } from '../targets/dispatcher.js';
import { QueuesByArn } from '../targets/queues.js';
import { EventBridgeV2Service } from './eventbridgev2-service.js';
import { eventBridgeV2Iam } from './iam-authorizations.js';
import { eventBridgeV2Protocol } from './protocol.js';
import { EVENTBRIDGEV2_TYPE_SPECS } from './resource-types.js';

declare module '../services/service-module.js' {
  interface ServiceTypes {
    eventbridgev2: EventBridgeV2Service;
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
  'EventBridge custom event buses (AWS::EventsV2): subscribers deliver to Lambda, SQS, SNS, Kinesis, Step Functions and Custom Event Bus - Classic targets; HTTP, universal (aws-sdk), Firehose, API destination and Custom Event Bus targets are not run locally (their events fail and go to the OnFailureConfiguration queue); delivery roles are not checked; a bus without StorageConfiguration retains events 1 day (docs/local-runtime/eventbridgev2.md)';

/**
 * EventBridge's custom event buses (`eventbridgev2`, `aws eventsv2`): the control plane of
 * buses, subscribers, event sources, resource policies and tags, over Smithy RPC v2 CBOR from
 * the model, and the template's `AWS::EventsV2::*` resources. PutEvents and PutRawEvents are
 * kept in each bus's retained log, which every subscriber reads from its own cursor and
 * delivers, in batches, through the runtime's TargetDispatcher (docs/local-runtime/eventbridgev2.md).
 */
export const eventBridgeV2Module: ServiceModule<'eventbridgev2'> = {
  name: 'eventbridgev2',
  iam: eventBridgeV2Iam,
  // The operations it serves are EventBridgeV2Service's methods.
  apis: [{ model: 'eventbridgev2', operations: apiOperations(EventBridgeV2Service), protocolFromModel: true }],
  databases: ['eventbridgev2'],
  needs: ['template', 'readApi', 'traces', 'sqs', 'sns', 'lambda', 'kinesis', 'events'],
  resourceTypes: EVENTBRIDGEV2_TYPE_SPECS,
  create({ services, settings, database, warn }) {
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
    });
    const service = new EventBridgeV2Service(database('eventbridgev2'), {
      region: settings.region,
      accountId: settings.accountId,
      clock: settings.clock,
      delivery: {
        dispatcher,
        log: (line) => settings.log(`[eventbridgev2] ${line}`),
        // Where Custom Event Bus - Classic records its deliveries: the read API's records and feed (trace, failures) and the runtime's spans.
        onDelivery: (note) => {
          readApi.delivery(note);
          spans.targetAttempt(note);
        },
      },
    });
    const protocol = eventBridgeV2Protocol(service);
    return {
      service,
      mounts: { rest: [protocol] },
      start: () => {
        const { app } = services.get('template');
        service.declare(app);
        service.delivery?.start();
        if (app.stacks.some((stack) => stack.resources.some((r) => r.type.startsWith('AWS::EventsV2::')))) warn([DELIVERY_DIFFERENCES]);
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

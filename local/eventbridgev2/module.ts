import { apiOperations } from '../services/operation-table.js';
import type { ServiceModule } from '../services/service-module.js';
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

/** What an app with custom event buses is told at start-up: the control plane runs; events are accepted but not yet delivered. */
export const NOT_DELIVERED =
  'EventBridge custom event buses (AWS::EventsV2): buses, subscribers, event sources and policies run as the API keeps them; events PutEvents and PutRawEvents send are accepted but not yet delivered: they wait in the data folder and no event reaches a subscriber (docs/local-runtime/eventbridgev2.md)';

/**
 * EventBridge's custom event buses (`eventbridgev2`, `aws eventsv2`): the control plane of
 * buses, subscribers, event sources, resource policies and tags, over Smithy RPC v2 CBOR from
 * the model, and the template's `AWS::EventsV2::*` resources. PutEvents and PutRawEvents are
 * accepted into a durable outbox, not yet delivered to subscribers (docs/local-runtime/eventbridgev2.md).
 */
export const eventBridgeV2Module: ServiceModule<'eventbridgev2'> = {
  name: 'eventbridgev2',
  iam: eventBridgeV2Iam,
  // The operations it serves are EventBridgeV2Service's methods.
  apis: [{ model: 'eventbridgev2', operations: apiOperations(EventBridgeV2Service), protocolFromModel: true }],
  databases: ['eventbridgev2'],
  needs: ['template'],
  resourceTypes: EVENTBRIDGEV2_TYPE_SPECS,
  create({ services, settings, database, warn }) {
    const service = new EventBridgeV2Service(database('eventbridgev2'), {
      region: settings.region,
      accountId: settings.accountId,
      clock: settings.clock,
    });
    const protocol = eventBridgeV2Protocol(service);
    return {
      service,
      mounts: { rest: [protocol] },
      start: () => {
        const { app } = services.get('template');
        service.declare(app);
        if (app.stacks.some((stack) => stack.resources.some((r) => r.type.startsWith('AWS::EventsV2::')))) warn([NOT_DELIVERED]);
      },
    };
  },
  report: (service) => {
    const counts = service.counts();
    return {
      counts: { 'custom event buses': counts.buses, subscribers: counts.subscribers },
      ...(counts.waiting > 0
        ? {
            lines: [
              `custom event buses: ${counts.waiting} event(s) accepted but not yet delivered (delivery to subscribers is not built yet)`,
            ],
          }
        : {}),
    };
  },
};

import { arnOf, type Input, type OperationContext, type OperationMap, on, type ServiceIam, text } from '../iam/authorizations.js';

/** The ARN a member names, or every resource of the kind (`event-busv2/<any>/<any>`) when it names none (a Create: the new one has no id yet). */
const named = (member: string, kind: string) => (input: Input, context: OperationContext) =>
  text(input[member]) ?? arnOf('events', context, `${kind}/*/*`);

/** The new resource of a Create, by its name (its opaque id is not known before it exists). */
const created = (kind: string) => (input: Input, context: OperationContext) =>
  arnOf('events', context, `${kind}/${text(input.Name) ?? '*'}/*`);

/** `events:<action>` on each resource (the Service Authorization Reference lists the bus and the new resource for a Create on a bus). */
const actionOn =
  (action: string, ...resources: ((input: Input, context: OperationContext) => string)[]): OperationMap =>
  (input, context) =>
    resources.map((resource) => on(`events:${action}`, resource(input, context)));

const bus = named('EventBusArn', 'event-busv2');
const policyBus = named('ResourceArn', 'event-busv2');
const subscriber = named('SubscriberArn', 'subscriber');
const source = named('EventSourceArn', 'event-sourcev2');
const tagged = named('ResourceArn', 'event-busv2');
const anything = () => '*';

/**
 * How IAM authorizes EventBridge's custom event bus API (its module declares it): its actions
 * are EventBridge's own, `events:<Operation>` (the API signs as `events`), on the `event-busv2`,
 * `subscriber` and `event-sourcev2` resources as the Service Authorization Reference names
 * them. Its operations share names with EventBridge's first API (CreateEventBus, PutEvents,
 * TagResource) but not their resources, so the declaration is its own, kept under the API's
 * model name rather than the `events` prefix the events module declares.
 */
export const eventBridgeV2Iam: ServiceIam = {
  prefix: 'eventbridgev2',
  accessDenied: { code: 'AccessDeniedException', status: 403 },
  operations: {
    CreateEventBus: actionOn('CreateEventBus', created('event-busv2')),
    DescribeEventBus: actionOn('DescribeEventBus', bus),
    UpdateEventBus: actionOn('UpdateEventBus', bus),
    DeleteEventBus: actionOn('DeleteEventBus', bus),
    ListEventBuses: actionOn('ListEventBuses', anything),
    CreateSubscriber: actionOn('CreateSubscriber', bus, created('subscriber')),
    DescribeSubscriber: actionOn('DescribeSubscriber', subscriber),
    UpdateSubscriber: actionOn('UpdateSubscriber', subscriber),
    DeleteSubscriber: actionOn('DeleteSubscriber', subscriber),
    ListSubscribers: actionOn('ListSubscribers', anything),
    CreateEventSource: actionOn('CreateEventSource', bus, created('event-sourcev2/*')),
    DescribeEventSource: actionOn('DescribeEventSource', source),
    UpdateEventSource: actionOn('UpdateEventSource', source),
    DeleteEventSource: actionOn('DeleteEventSource', source),
    ListEventSources: actionOn('ListEventSources', anything),
    PutResourcePolicy: actionOn('PutResourcePolicy', policyBus),
    GetResourcePolicy: actionOn('GetResourcePolicy', policyBus),
    DeleteResourcePolicy: actionOn('DeleteResourcePolicy', policyBus),
    ListResourcePolicies: actionOn('ListResourcePolicies', policyBus),
    // The bus owner's action, on the bus: the request names the revoked resource, not its bus, so every bus of the account.
    RevokeResource: actionOn('RevokeResource', (_input, context) => arnOf('events', context, 'event-busv2/*/*')),
    TagResource: actionOn('TagResource', tagged),
    UntagResource: actionOn('UntagResource', tagged),
    ListTagsForResource: actionOn('ListTagsForResource', tagged),
    PutEvents: actionOn('PutEvents', bus),
    PutRawEvents: actionOn('PutRawEvents', bus),
  },
};

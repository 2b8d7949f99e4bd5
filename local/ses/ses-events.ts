/**
 * SES's email sending event types, one table for the names each place gives them: the v2
 * API and this runtime (`SEND`), the v1 API and CloudFormation (`send`), the `eventType` of a
 * published event (`Send`, `Rendering Failure`) and its EventBridge detail type (`Email Sent`).
 */
export const EVENT_TYPES = {
  SEND: { v1: 'send', eventType: 'Send', detailType: 'Email Sent', key: 'send' },
  REJECT: { v1: 'reject', eventType: 'Reject', detailType: 'Email Rejected', key: 'reject' },
  BOUNCE: { v1: 'bounce', eventType: 'Bounce', detailType: 'Email Bounced', key: 'bounce' },
  COMPLAINT: { v1: 'complaint', eventType: 'Complaint', detailType: 'Email Complaint Received', key: 'complaint' },
  DELIVERY: { v1: 'delivery', eventType: 'Delivery', detailType: 'Email Delivered', key: 'delivery' },
  OPEN: { v1: 'open', eventType: 'Open', detailType: 'Email Opened', key: 'open' },
  CLICK: { v1: 'click', eventType: 'Click', detailType: 'Email Clicked', key: 'click' },
  RENDERING_FAILURE: { v1: 'renderingFailure', eventType: 'Rendering Failure', detailType: 'Email Rendering Failed', key: 'failure' },
  DELIVERY_DELAY: { v1: 'deliveryDelay', eventType: 'DeliveryDelay', detailType: 'Email Delivery Delayed', key: 'deliveryDelay' },
  SUBSCRIPTION: { v1: 'subscription', eventType: 'Subscription', detailType: 'Email Subscribed', key: 'subscription' },
} as const;

export type EventType = keyof typeof EVENT_TYPES;

const BY_V1 = new Map<string, EventType>(Object.entries(EVENT_TYPES).map(([type, names]) => [names.v1, type as EventType]));

/** A v1 or CloudFormation name (`renderingFailure`) or a v2 one (`RENDERING_FAILURE`); undefined for neither. */
export function eventTypeOfName(name: string): EventType | undefined {
  if (Object.hasOwn(EVENT_TYPES, name)) return name as EventType;
  return BY_V1.get(name);
}

/** The v1 API's name of a type (`renderingFailure`). */
export function v1EventType(type: EventType): string {
  return EVENT_TYPES[type].v1;
}

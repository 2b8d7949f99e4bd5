import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { TicketCreated } from '../../domain/index.js';

/** The reference app's event bus. */
export const HUB = 'Switchyard-hub';

interface EventKind {
  readonly source: string;
  readonly detailType: string;
}

/** A PutEvents entry of `detail` on `bus` (the reference app's hub unless said), as the contract's producer sends it. */
export function hubEntry(contract: EventKind, detail: object, bus = HUB): PutEventsRequestEntry {
  return { EventBusName: bus, Source: contract.source, DetailType: contract.detailType, Detail: JSON.stringify(detail) };
}

/** A PutEvents entry of a TicketCreated event from the helpdesk (the event the reference app's triage starts from) on `bus`. */
export function ticketCreatedEntry(detail: object, bus = HUB): PutEventsRequestEntry {
  return hubEntry(TicketCreated, detail, bus);
}

/**
 * A PutEvents of `details` (at most 10) to the reference app's hub, as the contract's producer
 * sends them. Nothing validates a detail first: a test can send one the contract refuses.
 */
export function toHub(contract: EventKind, ...details: object[]): PutEventsCommand {
  return new PutEventsCommand({ Entries: details.map((detail) => hubEntry(contract, detail)) });
}

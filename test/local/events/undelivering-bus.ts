import { EventsService, type EventsServiceOptions } from '../../../local/events/events-service.js';

/**
 * An EventsService of `buses` (none unless given), with no rules or archives and deliveries
 * that go nowhere, in account 000000000000 of us-east-1 unless `options` say otherwise: a bus
 * the suites of its callers (Step Functions, Pipes, in-process PutEvents) put events on and
 * watch through `onEvent` or `onAccepted`.
 */
export function undeliveringBus(options: Pick<EventsServiceOptions, 'db' | 'clock'> & Partial<EventsServiceOptions>): EventsService {
  return new EventsService({
    accountId: '000000000000',
    region: 'us-east-1',
    buses: [],
    rules: [],
    archives: [],
    delivery: { deliver: async () => {}, deadLetter: async () => {} },
    ...options,
  });
}

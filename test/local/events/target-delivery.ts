import type { EventEnvelope } from '../../../local/events/definitions.js';
import { LocalTargetDelivery } from '../../../local/events/rule-targets.js';

type DeliveryServices = ConstructorParameters<typeof LocalTargetDelivery>[0];

/** An event as a bus hands it to its targets: an OrderPlaced from app.orders unless `fields` say otherwise. */
export function envelope(fields: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    version: '0',
    id: 'event-1',
    'detail-type': 'OrderPlaced',
    source: 'app.orders',
    account: '000000000000',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { id: 'o-1' },
    ...fields,
  };
}

/**
 * A LocalTargetDelivery whose SQS finds every queue and records each message sent in `sent`;
 * the other services answer and do nothing, unless `services` gives them.
 */
export function targetDelivery(sent: Record<string, unknown>[] = [], services: Partial<DeliveryServices> = {}): LocalTargetDelivery {
  return new LocalTargetDelivery({
    sqs: {
      GetQueueUrl: async (input: { QueueName?: string }) => ({ QueueUrl: `http://local/000000000000/${input.QueueName}` }),
      SendMessage: async (input: Record<string, unknown>) => {
        sent.push(input);
        return {};
      },
    },
    lambda: { invokeAsync: async () => ({ requestId: '' }) },
    states: { StartExecution: async () => ({}) },
    forwardToBus: () => {},
    log: () => {},
    ...services,
  } as unknown as DeliveryServices);
}

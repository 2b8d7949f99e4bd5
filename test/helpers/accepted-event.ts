import type { AcceptedEventNote } from '../../local/events/events-service.js';

const ACCOUNT = '000000000000';

/**
 * What the bus tells the read API of an event it accepted on bus `hub`: one rule, `route`,
 * matched it, with one queue target. `detail` defaults to `{ ticketId: id }`.
 */
export function acceptedEventNote(id: string, detail: Record<string, unknown> = { ticketId: id }): AcceptedEventNote {
  return {
    bus: { name: 'hub', arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/hub` },
    event: {
      version: '0',
      id,
      'detail-type': 'TicketCreated',
      source: 'switchyard.helpdesk',
      account: ACCOUNT,
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail,
    },
    matched: [
      {
        name: 'route',
        arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/hub/route`,
        busName: 'hub',
        state: 'ENABLED',
        targets: [{ id: 'queue', arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:tickets` }],
      },
    ],
    traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    acceptedAt: Date.parse('2026-01-01T00:00:01Z'),
  };
}

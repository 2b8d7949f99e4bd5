/**
 * One EventBridge event of the reference app's size (a ticket created), as the pipeline's
 * benchmarks enqueue and commit it: the same bytes, so their figures per event compare.
 */
export const TICKET_CREATED_EVENT = JSON.stringify({
  version: '0',
  id: '5e1d2b0c-8d7e-4c3a-9f4e-6a1b2c3d4e5f',
  'detail-type': 'TicketCreated',
  source: 'switchyard.helpdesk',
  account: '000000000000',
  time: '2026-11-27T23:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { ticketId: 'T-1', customerId: 'C-1', subject: 'Charged twice', body: 'Please refund the second charge.' },
});

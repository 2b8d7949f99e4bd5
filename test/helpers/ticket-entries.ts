/**
 * A PutEvents entry of a TicketCreated event from the helpdesk (the event the reference app's
 * triage starts from) with this detail, on `bus`: the reference app's hub unless said.
 */
export function ticketCreatedEntry(detail: Record<string, unknown>, bus = 'Switchyard-hub') {
  return { EventBusName: bus, Source: 'switchyard.helpdesk', DetailType: 'TicketCreated', Detail: JSON.stringify(detail) };
}

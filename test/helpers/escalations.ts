/**
 * What an escalation policy publishes when nobody answers a chain of two steps whose first
 * reminds: the first ask, its reminder, the second step's ask, the reassignment, the last ask
 * at the default's deadline, then the default.
 */
export const UNANSWERED_ESCALATION = [
  'TicketEscalated',
  'EscalationReminderSent',
  'TicketEscalated',
  'EscalationReassigned',
  'TicketEscalated',
  'EscalationDefaulted',
] as const;

import { type Detail, defineContract, type Static } from 'switchyard-cdk/contracts';
// TypeBox's builders as a namespace import rather than switchyard-cdk/contracts' `Type` object: a
// handler bundle then keeps only the builders called here, not all of TypeBox (see domain/index.ts).
import * as Type from 'typebox';

/** The support queues a ticket can be routed to. The classifier is trained on these labels. */
export const TICKET_QUEUES = ['billing', 'technical', 'account', 'security', 'feedback'] as const;
export type TicketQueue = (typeof TICKET_QUEUES)[number];
const Queue = Type.Enum([...TICKET_QUEUES]);

const TicketId = Type.String({ minLength: 1, maxLength: 128 });

/**
 * A failure of the triage model to simulate, for tests and demos: the classify step fails
 * `times` times (default: always) with the model error a real adapter raises for it. Each is
 * a model failure, so it counts towards the model's circuit breaker like a real one.
 */
export const TriageSimulationSchema = Type.Object(
  {
    step: Type.Literal('classify'),
    failure: Type.Union([Type.Literal('unavailable'), Type.Literal('throttled'), Type.Literal('invalid-output')]),
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type TriageSimulation = Static<typeof TriageSimulationSchema>;

/** A customer opened a support ticket (for example a helpdesk webhook). */
export const TicketCreated = defineContract({
  detailType: 'TicketCreated',
  source: 'switchyard.helpdesk',
  description: 'A customer opened a support ticket.',
  properties: {
    ticketId: TicketId,
    customerId: Type.String({ minLength: 1, maxLength: 128 }),
    subject: Type.String({ maxLength: 1_000 }),
    body: Type.String({ maxLength: 100_000 }),
    /** Model failures to simulate (tests, demos); refused where the stage does not allow them. */
    simulate: Type.Optional(Type.Array(TriageSimulationSchema, { maxItems: 1 })),
  },
  // A helpdesk that retries its webhook produces a second event with a new id for the same ticket.
  idempotencyFields: ['ticketId'],
});
export type TicketCreated = Detail<typeof TicketCreated>;

/** Which time a person is asked about one ticket: 1, then 2 after a refused decision, and so on. */
const Attempt = Type.Integer({ minimum: 1 });

/**
 * The model was not confident enough; a person must decide. Carries the Step Functions
 * task token. One ticket may be asked about more than once (a malformed answer is
 * refused and the question asked again with a new token), so the fact is the ask, keyed
 * on the ticket and the attempt.
 */
export const TicketEscalated = defineContract({
  detailType: 'TicketEscalated',
  source: 'switchyard.triage',
  description: 'A ticket needs a human decision before it is routed; answer with SendTaskSuccess on taskToken.',
  properties: {
    ticketId: TicketId,
    attempt: Attempt,
    subject: Type.String(),
    suggestedQueue: Queue,
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    taskToken: Type.String({ minLength: 1 }),
    /** ISO-8601 time after which the default action is taken; the same for every attempt. */
    decideBy: Type.String(),
    defaultQueue: Queue,
    /** The step of the escalation chain asked (from 1) and its name. */
    step: Type.Optional(Type.Integer({ minimum: 1 })),
    stepName: Type.Optional(Type.String()),
    /** Who may decide on this step; empty: anyone. */
    reviewers: Type.Optional(Type.Array(Type.String())),
    /** Why the ticket was escalated: the policy's conditions that held (`confidence-below-0.7`, `step-failed`, ...). */
    triggers: Type.Optional(Type.Array(Type.String())),
    /** Why this ask: `escalated` (the first), `reminder`, `reassigned` or `refused` (asked again after a refused answer). */
    reason: Type.Optional(Type.Enum(['escalated', 'reminder', 'reassigned', 'refused'])),
  },
  idempotencyFields: ['ticketId', 'attempt'],
});
export type TicketEscalated = Detail<typeof TicketEscalated>;

/**
 * A reviewer's answer to an escalation was refused: it is not a valid decision (an unknown
 * queue, say), or its reviewer is not on the current step of the escalation chain (after a
 * reassignment, the first reviewer's answer). The question is asked again (TicketEscalated
 * with the next attempt) under the same deadline. A decider's tool also publishes it when
 * an answer reaches an escalation that no longer waits (already decided or defaulted).
 */
export const TicketDecisionRefused = defineContract({
  detailType: 'TicketDecisionRefused',
  source: 'switchyard.triage',
  description: "A reviewer's decision on an escalated ticket was refused, with the reasons; it is asked again before the same deadline.",
  properties: {
    ticketId: TicketId,
    /** The attempt whose answer was refused. */
    attempt: Attempt,
    /** What was wrong with the answer, one line per problem. */
    problems: Type.Array(Type.String(), { minItems: 1 }),
    /** The unchanged deadline (ISO-8601): refusing an answer does not restart the SLA. */
    decideBy: Type.String(),
    /** The step of the chain the answer reached (from 1). */
    step: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Who answered, when the answer named someone. */
    reviewer: Type.Optional(Type.String()),
  },
  idempotencyFields: ['ticketId', 'attempt'],
});
export type TicketDecisionRefused = Detail<typeof TicketDecisionRefused>;

/** A ticket was assigned to a queue, by the model or by a person. */
export const TicketRouted = defineContract({
  detailType: 'TicketRouted',
  source: 'switchyard.triage',
  description: 'A ticket was assigned to a support queue.',
  properties: {
    ticketId: TicketId,
    queue: Queue,
    decidedBy: Type.Enum(['model', 'human', 'sla-default']),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    model: Type.String(),
    reviewer: Type.Optional(Type.String()),
    /** The reviewer's reason, when a person decided and gave one. */
    reason: Type.Optional(Type.String()),
    /**
     * Which decision of its stage (`decidedBy`) this is for the ticket, from 0: a publisher
     * that decides a ticket more than once in one stage (a reviewer's re-route, a re-asked
     * escalation's second answer) counts them, so the later one wins (ticketRoutedVersion).
     * @default 0
     */
    sequence: Type.Optional(Type.Integer({ minimum: 0, maximum: 999 })),
  },
  idempotencyFields: ['ticketId'],
});
export type TicketRouted = Detail<typeof TicketRouted>;

/**
 * A TicketRouted's version is its decision stage, then its sequence within the stage:
 * `stage * 1000 + sequence`. The model decides first; an escalation then ends in the SLA
 * default or in a person's decision, and a person overrides the SLA default. So a
 * person's re-route supersedes the model's routing, a late model decision never
 * overrides a person, and the same decision delivered twice has the same version.
 *
 * Not the event's `time`: clocks of different publishers (a Lambda, Step Functions, a
 * reviewer's tool) drift, EventBridge's `time` has one-second granularity so two
 * decisions can tie, and a retried PutEvents of an old decision is stamped with a new,
 * later `time`. A version must come from whoever knows which decision is newer.
 */
export const TICKET_ROUTED_STAGES = { model: 1, 'sla-default': 2, human: 3 } as const;

/** The version a TicketRouted carries (see TICKET_ROUTED_STAGES). */
export function ticketRoutedVersion(routed: Pick<TicketRouted, 'decidedBy' | 'sequence'>): number {
  return TICKET_ROUTED_STAGES[routed.decidedBy] * 1000 + (routed.sequence ?? 0);
}

/**
 * What a reviewer sends back with SendTaskSuccess to resume an escalated ticket.
 * `approve` routes to `queue` if given, else to the suggested queue; `reject` routes to
 * the default queue.
 */
export const EscalationDecisionSchema = Type.Object(
  {
    decision: Type.Enum(['approve', 'reject']),
    queue: Type.Optional(Queue),
    reviewer: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Why, in the reviewer's words (kept on the TicketRouted event). */
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type EscalationDecision = Static<typeof EscalationDecisionSchema>;

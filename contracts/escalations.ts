import Type from 'typebox';
import { type Detail, defineContract } from './contract.js';

/**
 * The lifecycle of an escalation policy (lib/constructs/escalation-policy.ts), the same for
 * every policy: `policy` names the policy, `subjectId` what it is about (a ticket id). The
 * ask itself (with its task token) and a refused answer are the app's own contracts
 * (TicketEscalated, TicketDecisionRefused), since they carry the app's question.
 */
const Policy = Type.String({ minLength: 1, maxLength: 64 });
const SubjectId = Type.String({ minLength: 1, maxLength: 256 });
/** A step of the escalation chain, from 1. */
const Step = Type.Integer({ minimum: 1 });
/** Who may decide on a step; empty: anyone. */
const Reviewers = Type.Array(Type.String({ minLength: 1, maxLength: 256 }));

/** The step's reminder time came with no decision: its reviewers are asked again, with a new task token. */
export const EscalationReminderSent = defineContract({
  detailType: 'EscalationReminderSent',
  source: 'switchyard.escalation',
  description: 'An escalation step reached its reminder time undecided; its reviewers are asked again before the same deadline.',
  properties: {
    policy: Policy,
    subjectId: SubjectId,
    step: Step,
    stepName: Type.String(),
    reviewers: Reviewers,
    /** The step's unchanged deadline (ISO-8601). */
    decideBy: Type.String(),
  },
  idempotencyFields: ['policy', 'subjectId', 'step'],
});
export type EscalationReminderSent = Detail<typeof EscalationReminderSent>;

/** A step's SLA passed with no decision: the task moved to the next step of the chain. */
export const EscalationReassigned = defineContract({
  detailType: 'EscalationReassigned',
  source: 'switchyard.escalation',
  description: "An escalation step's SLA passed undecided; the task was reassigned to the next step of the chain.",
  properties: {
    policy: Policy,
    subjectId: SubjectId,
    fromStep: Step,
    toStep: Step,
    stepName: Type.String(),
    reviewers: Reviewers,
    /** The new step's deadline (ISO-8601). */
    decideBy: Type.String(),
  },
  idempotencyFields: ['policy', 'subjectId', 'toStep'],
});
export type EscalationReassigned = Detail<typeof EscalationReassigned>;

/** A reviewer's decision was accepted: the policy ends and the app applies it. */
export const EscalationDecided = defineContract({
  detailType: 'EscalationDecided',
  source: 'switchyard.escalation',
  description: "A reviewer's decision on an escalation was accepted; the app applies it.",
  properties: {
    policy: Policy,
    subjectId: SubjectId,
    step: Step,
    stepName: Type.String(),
    /** Which ask was answered (1, then one more per reminder, reassignment or refusal). */
    attempt: Type.Integer({ minimum: 1 }),
    /** The decision as the reviewer sent it. */
    decision: Type.Object({}, { additionalProperties: true }),
  },
  idempotencyFields: ['policy', 'subjectId'],
});
export type EscalationDecided = Detail<typeof EscalationDecided>;

/** The last step's SLA passed with no decision: the policy's default action runs. */
export const EscalationDefaulted = defineContract({
  detailType: 'EscalationDefaulted',
  source: 'switchyard.escalation',
  description: "The escalation chain's last SLA passed undecided; the policy's default action runs.",
  properties: {
    policy: Policy,
    subjectId: SubjectId,
    /** The last step, whose SLA passed. */
    step: Step,
    /** What the default action does, in the policy's words. */
    action: Type.String(),
  },
  idempotencyFields: ['policy', 'subjectId'],
});
export type EscalationDefaulted = Detail<typeof EscalationDefaulted>;

import type * as events from 'aws-cdk-lib/aws-events';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Duration } from 'aws-cdk-lib/core';
import type { AnyEventContract } from '../../contracts/index.js';

// The policy's declared types, apart from the construct, so the modules that compile a
// policy (conditions, states, validation, the record) import them without importing the
// construct that imports them.

/**
 * When a flow's output needs a person, declared rather than coded: each kind compiles to a
 * JSONata condition on the output (`$states.input`) of the step before the policy's Choice.
 */
export type EscalationCondition =
  /** The output's `field` (default `confidence`) is below `threshold`, or is not a number. */
  | { readonly kind: 'confidence-below'; readonly threshold: number; readonly field?: string; readonly label?: string }
  /**
   * A step failed or timed out: the flow's catch put `{ step, error }` in `field` (default
   * `failure`); with `errors`, only those error names count (`['States.Timeout']`: a time-out).
   */
  | { readonly kind: 'step-failed'; readonly field?: string; readonly errors?: readonly string[]; readonly label?: string }
  /** The output's `field` is `true` (a model that flags a contradiction in its own answer). */
  | { readonly kind: 'flag'; readonly field: string; readonly label?: string };

/** One step of the escalation chain: who decides, and for how long. */
export interface EscalationStep {
  /** What the step is called in events and refusals (`triage`, `support-lead`). */
  readonly name: string;
  /**
   * Who may decide on this step (the decision's `reviewer`); anyone else's answer is refused.
   * @default - anyone
   */
  readonly reviewers?: readonly string[];
  /** How long the step's reviewers have (1 second to 1 year); then the next step, or the default action. */
  readonly sla: Duration;
  /**
   * When to remind the step's reviewers (a new ask with a new token, same deadline); shorter than `sla`.
   * @default - no reminder
   */
  readonly remindAfter?: Duration;
}

export interface EscalationPolicyProps {
  /** Names the policy in its events (`policy`): letters, digits and dashes, up to 64. */
  readonly policyName: string;
  /** Every escalation, reminder, reassignment, decision, refusal and default is published here. */
  readonly eventBus: events.IEventBus;
  /** Any one of these holding escalates (at least one). */
  readonly conditions: readonly EscalationCondition[];
  /** The reviewers asked in turn, each for its SLA (1 to 10 steps). */
  readonly chain: readonly EscalationStep[];
  /** What the escalation is about, as a JSONata expression (`{% ... %}`) in the escalation execution. */
  readonly subjectId: string;
  /**
   * The ask: the app's contract carrying the task token, the detail field that names the
   * subject, and the app's own question fields (JSONata `{% %}` strings or values).
   */
  readonly ask: {
    readonly contract: AnyEventContract;
    readonly subjectField: string;
    readonly detail: Record<string, unknown>;
  };
  /** The app's contract for a refused answer (the subject field, attempt, problems, decideBy, step, reviewer). */
  readonly refusedContract: AnyEventContract;
  /**
   * The app's own checks of an answer: a JSONata expression (no `{% %}`) over `$states.input`
   * yielding a list of problems, empty when valid. The policy adds the reviewer check.
   * @default - any answer is valid as to its content
   */
  readonly decisionProblems?: string;
  /** What happens when nobody answers in time, in words (published on EscalationDefaulted). */
  readonly defaultAction: string;
  /**
   * Fields added to every event's detail as `metadata` (`{% %}` strings: correlation and causation ids).
   * @default - none
   */
  readonly metadata?: Record<string, string>;
  /**
   * How reviewers' tools (`switchyard escalations`, `approve`, `reject` and the console's
   * Escalations page) show an ask and shape an answer.
   * @default - the subject alone; approve and reject answer `{ decision: 'approve' | 'reject' }` (with the reviewer), checked by the policy alone
   */
  readonly review?: EscalationReview;
}

/**
 * What reviewers' tools need to know of a policy. The policy records it, with its ask and
 * refusal contracts, in the Comment of its AwaitDecision state (ESCALATION_POLICY_COMMENT_MARKER
 * then JSON): the deployed definition carries it, so the CLI (from the cloud assembly, or
 * DescribeStateMachine) and the console (DescribeStateMachine) learn any app's policies
 * without importing the app. CloudFormation Metadata and tags would not do: the first is
 * not deployed, and a tag holds 256 characters.
 */
export interface EscalationReview {
  /**
   * JSON Schema of an answer (a TypeBox schema, say): the tools check an answer against it
   * before sending it, so keep it in step with `decisionProblems`.
   * @default - no check before sending; the policy's `decisionProblems` still refuses a bad answer
   */
  readonly decisionSchema?: object;
  /**
   * The answer's field that approve and reject set.
   * @default 'decision'
   */
  readonly decisionField?: string;
  /**
   * The values approve and reject put in `decisionField`.
   * @default { approve: 'approve', reject: 'reject' }
   */
  readonly choices?: { readonly approve: string; readonly reject: string };
  /**
   * The question's fields shown with each open ask (read from the ask's detail, else from
   * the escalation execution's input), each with a short label (a table column).
   * @default - none
   */
  readonly summary?: readonly { readonly field: string; readonly label?: string }[];
}

/** What the app does with the outcome: the accepted decision (as the input), or nobody's. */
export interface EscalationOutcomes {
  readonly decided: sfn.IChainable;
  readonly defaulted: sfn.IChainable;
}

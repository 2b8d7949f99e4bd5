import { type Duration, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  type AnyEventContract,
  EscalationDecided,
  EscalationDefaulted,
  EscalationReassigned,
  EscalationReminderSent,
} from '../../contracts/index.js';
import { invalidProp } from '../validation.js';
import { publishTask } from './workflow.js';

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

/** Starts the JSON the policy records about itself in its ask state's Comment (see EscalationReview). */
export const ESCALATION_POLICY_COMMENT_MARKER = 'switchyard:escalation-policy ';

/** The JSON after ESCALATION_POLICY_COMMENT_MARKER (clients/escalation-policy.ts reads it). */
export function escalationPolicyRecord(props: EscalationPolicyProps): Record<string, unknown> {
  const review = props.review ?? {};
  return {
    version: 1,
    policy: props.policyName,
    askState: 'AwaitDecision',
    ask: { detailType: props.ask.contract.detailType, source: props.ask.contract.source, subjectField: props.ask.subjectField },
    refusal: { detailType: props.refusedContract.detailType, source: props.refusedContract.source },
    decision: {
      field: review.decisionField ?? 'decision',
      choices: review.choices ?? { approve: 'approve', reject: 'reject' },
      ...(review.decisionSchema === undefined ? {} : { schema: JSON.parse(JSON.stringify(review.decisionSchema)) }),
    },
    summary: (review.summary ?? []).map((s) => ({ field: s.field, label: s.label ?? s.field })),
  };
}

/** What the app does with the outcome: the accepted decision (as the input), or nobody's. */
export interface EscalationOutcomes {
  readonly decided: sfn.IChainable;
  readonly defaulted: sfn.IChainable;
}

const FIELD_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const MAX_STEPS = 10;
const YEAR_SECONDS = 31_536_000;

/**
 * A declarative escalation policy: the conditions that need a person, a chain of reviewers
 * each with an SLA and an optional reminder, and a default action when nobody answers.
 * It compiles to a Choice condition for the flow that decides whether to escalate
 * (`escalates()`, `triggers()`) and to the states of a Standard workflow that waits on a
 * task token (`definition()`).
 *
 * The policy's state lives in the execution itself (variables: the step, the attempt,
 * the deadlines), so there is nothing to keep in step with it: an open task is the
 * execution's latest task token, and a stale or duplicate answer cannot reach it (Step
 * Functions refuses a used or timed-out token). An answer that reaches the token but is
 * not acceptable (malformed, or from someone not on the current step) is refused with
 * the reasons, published, and asked again before the same deadline.
 */
export class EscalationPolicy extends Construct {
  public readonly policyName: string;
  public readonly chain: readonly EscalationStep[];
  public readonly conditions: readonly EscalationCondition[];
  private readonly props: EscalationPolicyProps;

  constructor(scope: Construct, id: string, props: EscalationPolicyProps) {
    super(scope, id);
    validatePolicy(this, props);
    this.props = props;
    this.policyName = props.policyName;
    this.chain = props.chain;
    this.conditions = props.conditions;
  }

  /** A Choice condition that holds when any of the policy's conditions holds on `input`. */
  escalates(input = '$states.input'): sfn.Condition {
    return sfn.Condition.jsonata(`{% ${this.escalatesExpression(input)} %}`);
  }

  /** The JSONata expression (no `{% %}`) behind `escalates()`. */
  escalatesExpression(input = '$states.input'): string {
    return this.props.conditions.map((c) => `(${conditionExpression(c, input)})`).join(' or ');
  }

  /** A JSONata expression (no `{% %}`) listing the labels of the conditions that hold on `input`. */
  triggers(input = '$states.input'): string {
    const each = this.props.conditions.map((c) => `((${conditionExpression(c, input)}) ? [${JSON.stringify(labelOf(c))}] : [])`);
    return each.reduce((all, one) => `$append(${all}, ${one})`);
  }

  /**
   * The escalation: ask the first step, remind, reassign down the chain, refuse what is
   * not acceptable, and end in `decided` (the accepted answer as input) or `defaulted`.
   */
  definition(outcomes: EscalationOutcomes): sfn.IChainable {
    const { props } = this;
    const chain = props.chain;
    const steps = chain.length;
    const subject = props.subjectId;
    const metadata = props.metadata ? { metadata: props.metadata } : {};
    const slaMs = chain.map((s) => s.sla.toMilliseconds());
    // A step without a reminder wakes at its deadline.
    const wakeMs = chain.map((s) => (s.remindAfter ?? s.sla).toMilliseconds());
    const names = chain.map((s) => s.name);
    const reviewers = chain.map((s) => [...(s.reviewers ?? [])]);
    const at = (base: string, ms: string) => `$fromMillis($toMillis(${base}) + ${ms})`;
    const entered = '$states.context.State.EnteredTime';
    const put = (
      id: string,
      contract: AnyEventContract,
      detail: Record<string, unknown>,
      extra: Omit<tasks.EventBridgePutEventsJsonataProps, 'entries'> = {},
    ) =>
      publishTask(this, id, props.eventBus, { contract, detail: sfn.TaskInput.fromText(jsonataObject({ ...detail, ...metadata })) }, extra);

    // The first step's deadline is fixed when the escalation opens; refusals never move it.
    const open = sfn.Pass.jsonata(this, 'OpenEscalation', {
      assign: {
        step: 0,
        attempt: 1,
        reason: 'escalated',
        decideBy: `{% ${at('$states.context.Execution.StartTime', String(slaMs[0]))} %}`,
        wakeAt: `{% ${at('$states.context.Execution.StartTime', String(wakeMs[0]))} %}`,
      },
    });

    const awaitDecision = put(
      'AwaitDecision',
      props.ask.contract,
      {
        [props.ask.subjectField]: subject,
        attempt: '{% $attempt %}',
        ...props.ask.detail,
        taskToken: '{% $states.context.Task.Token %}',
        decideBy: '{% $decideBy %}',
        step: '{% $step + 1 %}',
        stepName: `{% ${byStep(names)} %}`,
        reviewers: `{% ${byStep(reviewers)} %}`,
        reason: '{% $reason %}',
      },
      {
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        comment: `Asks the current step's reviewers and waits for the answer on the task token. ${ESCALATION_POLICY_COMMENT_MARKER}${JSON.stringify(escalationPolicyRecord(props))}`,
        // Until the next thing the policy must do (the reminder or the deadline); at least 1 s.
        taskTimeout: sfn.Timeout.jsonata(`{% $max([1, $ceil(($toMillis($wakeAt) - $toMillis(${entered})) / 1000)]) %}`),
        outputs: '{% $states.result %}',
      },
    );

    const defaulted = put('ApplyDefault', EscalationDefaulted, {
      policy: props.policyName,
      subjectId: subject,
      step: '{% $step + 1 %}',
      action: props.defaultAction,
    });
    defaulted.next(outcomes.defaulted);

    const hasReminder = chain.some((s) => s.remindAfter !== undefined);
    // One step and no reminder: the only thing a time-out can mean is the default.
    if (!hasReminder && steps === 1) awaitDecision.addCatch(defaulted, { errors: ['States.Timeout'] });
    let noAnswer = sfn.Choice.jsonata(this, 'NoAnswerInTime');
    if (hasReminder) {
      const remind = put(
        'SendReminder',
        EscalationReminderSent,
        {
          policy: props.policyName,
          subjectId: subject,
          step: '{% $step + 1 %}',
          stepName: `{% ${byStep(names)} %}`,
          reviewers: `{% ${byStep(reviewers)} %}`,
          decideBy: '{% $decideBy %}',
        },
        { assign: { attempt: '{% $attempt + 1 %}', reason: 'reminder', wakeAt: '{% $decideBy %}' } },
      );
      remind.next(awaitDecision);
      // Woken before the deadline: that was the reminder.
      noAnswer = noAnswer.when(sfn.Condition.jsonata('{% $wakeAt != $decideBy %}'), remind);
    }
    if (steps > 1) {
      const next = '$step + 1';
      const newDeadline = at(entered, byStep(slaMs, next));
      const reassign = put(
        'Reassign',
        EscalationReassigned,
        {
          policy: props.policyName,
          subjectId: subject,
          fromStep: '{% $step + 1 %}',
          toStep: '{% $step + 2 %}',
          stepName: `{% ${byStep(names, next)} %}`,
          reviewers: `{% ${byStep(reviewers, next)} %}`,
          decideBy: `{% ${newDeadline} %}`,
        },
        {
          assign: {
            step: `{% ${next} %}`,
            attempt: '{% $attempt + 1 %}',
            reason: 'reassigned',
            decideBy: `{% ${newDeadline} %}`,
            wakeAt: `{% ${at(entered, byStep(wakeMs, next))} %}`,
          },
        },
      );
      reassign.next(awaitDecision);
      noAnswer = noAnswer.when(sfn.Condition.jsonata(`{% $step < ${steps - 1} %}`), reassign);
    }
    if (hasReminder || steps > 1) {
      noAnswer.otherwise(defaulted);
      awaitDecision.addCatch(noAnswer, { errors: ['States.Timeout'] });
    }

    const record = put(
      'RecordDecision',
      EscalationDecided,
      {
        policy: props.policyName,
        subjectId: subject,
        step: '{% $step + 1 %}',
        stepName: `{% ${byStep(names)} %}`,
        attempt: '{% $attempt %}',
        decision: '{% $states.input %}',
      },
      { outputs: '{% $states.input %}' },
    );
    record.next(outcomes.decided);

    const check = sfn.Pass.jsonata(this, 'CheckDecision', {
      assign: { problems: `{% $append(${props.decisionProblems ?? '[]'}, ${reviewerProblems(chain)}) %}` },
    });
    const refuse = put(
      'RefuseDecision',
      props.refusedContract,
      {
        [props.ask.subjectField]: subject,
        attempt: '{% $attempt %}',
        problems: '{% $problems %}',
        decideBy: '{% $decideBy %}',
        step: '{% $step + 1 %}',
        reviewer: "{% ($type($states.input) = 'object' and $type($states.input.reviewer) = 'string') ? $states.input.reviewer %}",
      },
      { assign: { attempt: '{% $attempt + 1 %}', reason: 'refused' } },
    );
    refuse.next(awaitDecision);
    const valid = sfn.Choice.jsonata(this, 'DecisionValid')
      .when(sfn.Condition.jsonata('{% $count($problems) = 0 %}'), record)
      .otherwise(refuse);
    return open.next(awaitDecision).next(check).next(valid);
  }
}

/** The JSONata value of `values[step]` for the current (or given) step index. */
function byStep(values: readonly unknown[], step = '$step'): string {
  const last = JSON.stringify(values.at(-1));
  return values
    .slice(0, -1)
    .reduceRight<string>((otherwise, value, index) => `((${step}) = ${index} ? ${JSON.stringify(value)} : ${otherwise})`, last);
}

/** Refuses an answer whose reviewer is not on the current step (steps naming no reviewers take anyone's). */
function reviewerProblems(chain: readonly EscalationStep[]): string {
  const allowed = byStep(chain.map((s) => [...(s.reviewers ?? [])]));
  const name = byStep(chain.map((s) => s.name));
  const earlier = byStep(chain.map((_, i) => chain.slice(0, i).flatMap((s) => s.reviewers ?? [])));
  const where = `'step ' & $string($step + 1) & ' (' & ${name} & ')'`;
  return `($d := $states.input; $allowed := ${allowed}; $who := ($type($d) = 'object' and $type($d.reviewer) = 'string') ? $d.reviewer : null;
    $count($allowed) = 0 or $who in $allowed ? [] :
    [($who = null ? 'a reviewer is required on ' & ${where} & ': one of ' & $join($allowed, ', ')
      : 'reviewer ' & $who & ' is not on ' & ${where} & ' of the escalation chain, whose reviewers are ' & $join($allowed, ', ')
        & ($who in ${earlier} ? ': the task was reassigned from an earlier step when its SLA passed' : ''))])`.replace(/\s*\n\s*/g, ' ');
}

function fieldOf(input: string, field: string): string {
  return `${input}.${field}`;
}

function conditionExpression(condition: EscalationCondition, input: string): string {
  switch (condition.kind) {
    case 'confidence-below': {
      const f = fieldOf(input, condition.field ?? 'confidence');
      return `$not($type(${f}) = 'number' and ${f} >= ${condition.threshold})`;
    }
    case 'step-failed': {
      const f = fieldOf(input, condition.field ?? 'failure');
      return condition.errors ? `$exists(${f}) and ${f}.error in ${JSON.stringify(condition.errors)}` : `$exists(${f})`;
    }
    case 'flag':
      return `${fieldOf(input, condition.field)} = true`;
  }
}

function labelOf(condition: EscalationCondition): string {
  if (condition.label) return condition.label;
  switch (condition.kind) {
    case 'confidence-below':
      return `confidence-below-${condition.threshold}`;
    case 'step-failed':
      return condition.errors?.length === 1 && condition.errors[0] === 'States.Timeout' ? 'step-timed-out' : 'step-failed';
    case 'flag':
      return `flag-${condition.field}`;
  }
}

function validatePolicy(policy: Construct, props: EscalationPolicyProps): void {
  const fail = (message: string): never => invalidProp(policy, message);
  const got = (value: unknown) => `(got ${JSON.stringify(value)})`;
  if (!NAME.test(props.policyName)) fail(`policyName must be letters, digits and dashes, 1 to 64 ${got(props.policyName)}`);
  if (props.conditions.length === 0) fail('conditions must name at least one condition that escalates (got none)');
  props.conditions.forEach((c, i) => {
    const at = `conditions[${i}]`;
    const field = c.kind === 'flag' ? c.field : c.field;
    if (field !== undefined && !FIELD_PATH.test(field))
      fail(`${at}.field must be a field path such as confidence or failure.error ${got(field)}`);
    if (c.kind === 'confidence-below' && !(Number.isFinite(c.threshold) && c.threshold >= 0 && c.threshold <= 1)) {
      fail(`${at}.threshold must be from 0 to 1 (got ${c.threshold})`);
    }
    if (c.kind === 'step-failed' && c.errors !== undefined && (c.errors.length === 0 || c.errors.some((e) => e.length === 0))) {
      fail(`${at}.errors must list error names such as States.Timeout ${got(c.errors)}`);
    }
    if (c.label !== undefined && !NAME.test(c.label.replaceAll('.', '-')))
      fail(`${at}.label must be letters, digits, dots and dashes ${got(c.label)}`);
  });
  if (props.chain.length < 1 || props.chain.length > MAX_STEPS)
    fail(`chain must have from 1 to ${MAX_STEPS} steps (got ${props.chain.length})`);
  const seen = new Set<string>();
  let total = 0;
  props.chain.forEach((step, i) => {
    const at = `chain[${i}]`;
    if (!NAME.test(step.name)) fail(`${at}.name must be letters, digits and dashes, 1 to 64 ${got(step.name)}`);
    if (seen.has(step.name)) fail(`${at}.name must be unique in the chain ${got(step.name)}`);
    seen.add(step.name);
    for (const reviewer of step.reviewers ?? []) {
      if (typeof reviewer !== 'string' || reviewer.length < 1 || reviewer.length > 256)
        fail(`${at}.reviewers must be names of 1 to 256 characters ${got(reviewer)}`);
    }
    if (new Set(step.reviewers).size !== (step.reviewers?.length ?? 0))
      fail(`${at}.reviewers must not repeat a name ${got(step.reviewers)}`);
    if (Token.isUnresolved(step.sla.toMilliseconds({ integral: false }))) return;
    const sla = step.sla.toMilliseconds() / 1000;
    if (!(sla >= 1 && sla <= YEAR_SECONDS)) fail(`${at}.sla must be from 1 to ${YEAR_SECONDS} seconds (got ${sla} seconds)`);
    total += sla;
    if (step.remindAfter !== undefined) {
      const remind = step.remindAfter.toMilliseconds() / 1000;
      if (!(remind >= 1 && remind < sla))
        fail(`${at}.remindAfter must be from 1 second to less than the step's sla of ${sla} seconds (got ${remind} seconds)`);
    }
  });
  // A Standard execution runs for at most a year.
  if (total > YEAR_SECONDS)
    fail(`chain's SLAs must add up to at most ${YEAR_SECONDS} seconds, a Standard execution's limit (got ${total} seconds)`);
  if (!FIELD_PATH.test(props.ask.subjectField) || props.ask.subjectField.includes('.'))
    fail(`ask.subjectField must be a field name ${got(props.ask.subjectField)}`);
  if (!/^\{%.*%\}$/s.test(props.subjectId)) fail(`subjectId must be a JSONata expression in {% %} ${got(props.subjectId)}`);
  if (props.defaultAction.trim() === '') fail('defaultAction must say what happens when nobody answers (got an empty string)');
  const review = props.review;
  if (review === undefined) return;
  if (review.decisionField !== undefined && (!FIELD_PATH.test(review.decisionField) || review.decisionField.includes('.')))
    fail(`review.decisionField must be a field name ${got(review.decisionField)}`);
  if (review.choices !== undefined && (review.choices.approve === '' || review.choices.approve === review.choices.reject))
    fail(`review.choices must be two different, non-empty values ${got(review.choices)}`);
  for (const [i, entry] of (review.summary ?? []).entries()) {
    if (!FIELD_PATH.test(entry.field) || entry.field.includes('.'))
      fail(`review.summary[${i}].field must be a field name ${got(entry.field)}`);
  }
  const schema = review.decisionSchema as { type?: unknown } | undefined;
  if (schema !== undefined && (typeof schema !== 'object' || schema === null || schema.type !== 'object'))
    fail(`review.decisionSchema must be the JSON Schema of an object (type "object") ${got(schema?.type ?? schema)}`);
}

/**
 * Turns an object whose values are `{% expression %}` strings, plain values or nested such
 * objects into one JSONata object expression, in which a key whose value is undefined is
 * left out instead of failing the state.
 */
export function jsonataObject(fields: Record<string, unknown>): string {
  const render = (value: unknown): string => {
    if (typeof value === 'string') {
      const expression = /^\{%(.*)%\}$/s.exec(value);
      return expression ? `(${(expression[1] ?? '').trim()})` : JSON.stringify(value);
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return `{ ${Object.entries(value)
        .map(([key, inner]) => `${JSON.stringify(key)}: ${render(inner)}`)
        .join(', ')} }`;
    }
    return JSON.stringify(value);
  };
  return `{% ${render(fields)} %}`;
}

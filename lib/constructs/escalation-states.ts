import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import {
  type AnyEventContract,
  EscalationDecided,
  EscalationDefaulted,
  EscalationReassigned,
  EscalationReminderSent,
} from '../../contracts/index.js';
import { byStep, reviewerProblems } from './escalation-conditions.js';
import type { EscalationOutcomes, EscalationPolicyProps } from './escalation-policy-types.js';
import { ESCALATION_POLICY_COMMENT_MARKER, escalationPolicyRecord } from './escalation-record.js';
import { jsonataObject } from './jsonata-object.js';
import { publishTask } from './workflow.js';

type Put = (
  id: string,
  contract: AnyEventContract,
  detail: Record<string, unknown>,
  extra?: Omit<tasks.EventBridgePutEventsJsonataProps, 'entries'>,
) => tasks.EventBridgePutEvents;

/** What the states of one policy are made from: its props, the chain by step, and how a state publishes. */
interface Parts {
  readonly scope: Construct;
  readonly props: EscalationPolicyProps;
  readonly subject: string;
  readonly slaMs: readonly number[];
  /** When each step wakes: its reminder, or (without one) its deadline. */
  readonly wakeMs: readonly number[];
  readonly names: readonly string[];
  readonly reviewers: readonly string[][];
  readonly put: Put;
}

const ENTERED = '$states.context.State.EnteredTime';
const at = (base: string, ms: string) => `$fromMillis($toMillis(${base}) + ${ms})`;

/**
 * The escalation's states in `scope` (EscalationPolicy.definition): ask the first step,
 * remind, reassign down the chain, refuse what is not acceptable, and end in
 * `outcomes.decided` (the accepted answer as input) or `outcomes.defaulted`.
 */
export function escalationStates(scope: Construct, props: EscalationPolicyProps, outcomes: EscalationOutcomes): sfn.IChainable {
  const chain = props.chain;
  const metadata = props.metadata ? { metadata: props.metadata } : {};
  const parts: Parts = {
    scope,
    props,
    subject: props.subjectId,
    slaMs: chain.map((s) => s.sla.toMilliseconds()),
    wakeMs: chain.map((s) => (s.remindAfter ?? s.sla).toMilliseconds()),
    names: chain.map((s) => s.name),
    reviewers: chain.map((s) => [...(s.reviewers ?? [])]),
    put: (id, contract, detail, extra = {}) =>
      publishTask(
        scope,
        id,
        props.eventBus,
        { contract, detail: sfn.TaskInput.fromText(jsonataObject({ ...detail, ...metadata })) },
        extra,
      ),
  };
  const open = openEscalation(parts);
  const awaitDecision = askReviewers(parts);
  const defaulted = applyDefault(parts);
  defaulted.next(outcomes.defaulted);
  catchNoAnswer(parts, awaitDecision, defaulted);
  const { check, valid } = checkDecision(parts, awaitDecision, outcomes);
  return open.next(awaitDecision).next(check).next(valid);
}

/** The first step's deadline is fixed when the escalation opens; refusals never move it. */
function openEscalation({ scope, slaMs, wakeMs }: Parts): sfn.Pass {
  return sfn.Pass.jsonata(scope, 'OpenEscalation', {
    assign: {
      step: 0,
      attempt: 1,
      reason: 'escalated',
      decideBy: `{% ${at('$states.context.Execution.StartTime', String(slaMs[0]))} %}`,
      wakeAt: `{% ${at('$states.context.Execution.StartTime', String(wakeMs[0]))} %}`,
    },
  });
}

function askReviewers({ props, subject, names, reviewers, put }: Parts): tasks.EventBridgePutEvents {
  return put(
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
      taskTimeout: sfn.Timeout.jsonata(`{% $max([1, $ceil(($toMillis($wakeAt) - $toMillis(${ENTERED})) / 1000)]) %}`),
      outputs: '{% $states.result %}',
    },
  );
}

function applyDefault({ props, subject, put }: Parts): tasks.EventBridgePutEvents {
  return put('ApplyDefault', EscalationDefaulted, {
    policy: props.policyName,
    subjectId: subject,
    step: '{% $step + 1 %}',
    action: props.defaultAction,
  });
}

/** When the ask times out: remind (woken before the deadline), else reassign to the next step, else the default. */
function catchNoAnswer(parts: Parts, awaitDecision: tasks.EventBridgePutEvents, defaulted: sfn.IChainable): void {
  const chain = parts.props.chain;
  const steps = chain.length;
  const hasReminder = chain.some((s) => s.remindAfter !== undefined);
  // One step and no reminder: the only thing a time-out can mean is the default.
  if (!hasReminder && steps === 1) awaitDecision.addCatch(defaulted, { errors: ['States.Timeout'] });
  let noAnswer = sfn.Choice.jsonata(parts.scope, 'NoAnswerInTime');
  if (hasReminder) {
    const remind = sendReminder(parts);
    remind.next(awaitDecision);
    // Woken before the deadline: that was the reminder.
    noAnswer = noAnswer.when(sfn.Condition.jsonata('{% $wakeAt != $decideBy %}'), remind);
  }
  if (steps > 1) {
    const reassign = reassignToNextStep(parts);
    reassign.next(awaitDecision);
    noAnswer = noAnswer.when(sfn.Condition.jsonata(`{% $step < ${steps - 1} %}`), reassign);
  }
  if (hasReminder || steps > 1) {
    noAnswer.otherwise(defaulted);
    awaitDecision.addCatch(noAnswer, { errors: ['States.Timeout'] });
  }
}

function sendReminder({ props, subject, names, reviewers, put }: Parts): tasks.EventBridgePutEvents {
  return put(
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
}

/** The next step's deadline counts from the reassignment, not from the escalation's start. */
function reassignToNextStep({ props, subject, names, reviewers, slaMs, wakeMs, put }: Parts): tasks.EventBridgePutEvents {
  const next = '$step + 1';
  const newDeadline = at(ENTERED, byStep(slaMs, next));
  return put(
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
        wakeAt: `{% ${at(ENTERED, byStep(wakeMs, next))} %}`,
      },
    },
  );
}

/** Checks the answer: an acceptable one is recorded and decided; any other is refused, with its problems, and asked again. */
function checkDecision(
  { scope, props, subject, names, put }: Parts,
  awaitDecision: tasks.EventBridgePutEvents,
  outcomes: EscalationOutcomes,
): { check: sfn.Pass; valid: sfn.Choice } {
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

  const check = sfn.Pass.jsonata(scope, 'CheckDecision', {
    assign: { problems: `{% $append(${props.decisionProblems ?? '[]'}, ${reviewerProblems(props.chain)}) %}` },
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
  const valid = sfn.Choice.jsonata(scope, 'DecisionValid')
    .when(sfn.Condition.jsonata('{% $count($problems) = 0 %}'), record)
    .otherwise(refuse);
  return { check, valid };
}

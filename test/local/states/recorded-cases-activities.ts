import {
  CreateActivityCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
} from '@aws-sdk/client-sfn';
import { createMachine, recordExecution, startExecution } from './recorded-executions.js';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded activity tests, replayed call by call as LocalStack's
 * tests/aws/services/stepfunctions/v2/activities/test_activities.py and
 * v2/test_sfn_api_activities.py make them; each returns the answers by the recording's keys.
 * The workers are state machines, as there: they poll with `aws-sdk:sfn:getActivityTask` and
 * answer with `sendTaskSuccess`, `sendTaskFailure` or `sendTaskHeartbeat`
 * (templates/activities/statemachines/*.json5).
 */

/** The worker the recordings start: polls until it gets a task, then `then` handles it. */
function consumer(comment: string, then: Record<string, unknown>, named = true) {
  return {
    Comment: comment,
    TimeoutSeconds: 600,
    StartAt: 'GetActivityTask',
    States: {
      GetActivityTask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sfn:getActivityTask',
        Parameters: { 'ActivityArn.$': '$.ActivityArn', ...(named ? { WorkerName: 'BASE_ID_ACTIVITY_CONSUMER' } : {}) },
        ResultPath: '$.GetActivityTaskOutput',
        Next: 'CheckTaskToken',
      },
      CheckTaskToken: {
        Type: 'Choice',
        Choices: [{ Variable: '$.GetActivityTaskOutput.TaskToken', IsPresent: true, Next: 'TaskReceived' }],
        Default: 'NoTaskReceived',
      },
      ...then,
      NoTaskReceived: { Type: 'Wait', Seconds: 1, OutputPath: '$.ActivityArn', Next: 'GetActivityTask' },
    },
  };
}

const sendSuccess = {
  Type: 'Task',
  Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
  Parameters: { 'Output.$': '$.GetActivityTaskOutput.Input', 'TaskToken.$': '$.GetActivityTaskOutput.TaskToken' },
  End: true,
};

const CONSUMERS = {
  base: (named = true) => consumer('BASE_ID_ACTIVITY_CONSUMER', { TaskReceived: sendSuccess }, named),
  fail: () =>
    consumer('BASE_ID_ACTIVITY_CONSUMER_FAIL', {
      TaskReceived: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskFailure',
        Parameters: {
          Error: 'Programmatic Error',
          'Cause.$': '$.GetActivityTaskOutput.Input',
          'TaskToken.$': '$.GetActivityTaskOutput.TaskToken',
        },
        End: true,
      },
    }),
  timeout: () => consumer('BASE_ID_ACTIVITY_CONSUMER_TIMEOUT', { TaskReceived: { Type: 'Pass', End: true } }),
  heartbeat: () =>
    consumer('HEARTBEAT_ID_ACTIVITY_CONSUMER', {
      TaskReceived: { Type: 'Wait', Seconds: 2, Next: 'SendHeartbeat' },
      SendHeartbeat: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskHeartbeat',
        Parameters: { 'TaskToken.$': '$.GetActivityTaskOutput.TaskToken' },
        ResultPath: '$.SendHeartbeatOutput',
        Next: 'WaitBeforeSuccess',
      },
      WaitBeforeSuccess: { Type: 'Wait', Seconds: 2, Next: 'SendSuccess' },
      SendSuccess: sendSuccess,
    }),
};

/** The activity Task the recordings run (BASE_ACTIVITY_TASK, and its _HEARTBEAT and _TIMEOUT variants). */
function activityTask(comment: string, activityArn: string, limits: { TimeoutSeconds?: number; HeartbeatSeconds?: number } = {}) {
  return {
    Comment: comment,
    StartAt: 'ActivityTask',
    States: { ActivityTask: { Type: 'Task', Resource: activityArn, ...limits, End: true } },
  };
}

/** A fresh activity, its ARN and name shown as the recordings show them. */
async function newActivity(context: ReplayContext, prefix = 'activity-') {
  const name = context.name(prefix);
  const created = await context.call(new CreateActivityCommand({ name }));
  const activityArn = created.activityArn as string;
  context.replace(activityArn, 'activity_arn');
  context.replace(name, 'activity_name');
  return { created, activityArn };
}

/** An activity, a worker (a state machine) started on it, and the activity Task's execution recorded. */
async function activityRun(
  context: ReplayContext,
  worker: Record<string, unknown> | undefined,
  task: (activityArn: string) => unknown,
  before?: (activityArn: string) => Promise<unknown>,
) {
  const { created, activityArn } = await newActivity(context);
  await before?.(activityArn);
  if (worker) {
    const { stateMachineArn } = await createMachine(context, worker, { index: 9 });
    await startExecution(context, stateMachineArn, JSON.stringify({ ActivityArn: activityArn }), 9);
  }
  const history = await recordExecution(context, task(activityArn), JSON.stringify({ Value1: 'HelloWorld' }));
  return { create_activity_output: created, get_execution_history: history };
}

const EXECUTION_CASES: Record<string, Replay> = {
  test_activity_task: (context) => activityRun(context, CONSUMERS.base(), (arn) => activityTask('BASE_ACTIVITY_TASK', arn)),
  test_activity_task_no_worker_name: (context) =>
    activityRun(context, CONSUMERS.base(false), (arn) => activityTask('BASE_ACTIVITY_TASK', arn)),
  test_activity_task_on_deleted: (context) =>
    activityRun(
      context,
      undefined,
      (arn) => activityTask('BASE_ACTIVITY_TASK', arn),
      (activityArn) => context.call(new DeleteActivityCommand({ activityArn })),
    ),
  test_activity_task_failure: (context) => activityRun(context, CONSUMERS.fail(), (arn) => activityTask('BASE_ACTIVITY_TASK', arn)),
  test_activity_task_with_heartbeat: (context) =>
    activityRun(context, CONSUMERS.heartbeat(), (arn) =>
      activityTask('BASE_ACTIVITY_TASK_HEARTBEAT', arn, { TimeoutSeconds: 60, HeartbeatSeconds: 10 }),
    ),
  test_activity_task_start_timeout: (context) =>
    activityRun(context, CONSUMERS.timeout(), (arn) => activityTask('BASE_ACTIVITY_TASK_TIMEOUT', arn, { TimeoutSeconds: 5 })),
};

const VALID_NAMES = [
  'Activity1',
  'activity-name_123',
  'ACTIVITY_NAME_ABC',
  'activity.name',
  'activity.name.v2',
  'activityName.with.dots',
  'activity-name.1',
  'activity_123.name',
  // With the 9 characters of `-<short_uid>`: a name of 80.
  'a'.repeat(71),
];

const INVALID_NAMES = [
  ...[' ', '<', '>', '{', '}', '[', ']', '?', '*', '"', '#', '%', '\\', '^', '|', '~', '`', '$', '&', ',', ';', ':', '/'].map(
    (c) => `activity${c}name`,
  ),
  `${String.fromCharCode(0)}activity`,
  `activity${String.fromCharCode(31)}`,
  `activity${String.fromCharCode(127)}`,
];

/** pytest's id of a parameter: control characters as `\xNN`, a backslash doubled. */
const pytestId = (value: string) =>
  [...value]
    .map((c) => {
      const code = c.charCodeAt(0);
      if (c === '\\') return '\\\\';
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
    })
    .join('');

const API_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    VALID_NAMES.map((base): [string, Replay] => [
      `test_create_describe_delete_activity[${base}]`,
      async (context) => {
        const { created, activityArn } = await newActivity(context, `${base}-`);
        const duplicate = await context.call(new CreateActivityCommand({ name: activityArn.split(':').at(-1) }));
        return {
          create_activity_response: created,
          create_activity_response_duplicate: duplicate,
          describe_activity_response: await context.call(new DescribeActivityCommand({ activityArn })),
          delete_activity_response: await context.call(new DeleteActivityCommand({ activityArn })),
          delete_activity_response_2: await context.call(new DeleteActivityCommand({ activityArn })),
        };
      },
    ]),
  ),
  ...Object.fromEntries(
    INVALID_NAMES.map((name): [string, Replay] => [
      `test_create_activity_invalid_name[${pytestId(name)}]`,
      async (context) => ({ invalid_name: await context.call(new CreateActivityCommand({ name })) }),
    ]),
  ),
  async test_describe_deleted_activity(context) {
    const { activityArn } = await newActivity(context, 'TestActivity-');
    await context.call(new DeleteActivityCommand({ activityArn }));
    return { no_such_activity: await context.call(new DescribeActivityCommand({ activityArn })) };
  },
  async test_describe_activity_invalid_arn(context) {
    return { exception: await context.raise(new DescribeActivityCommand({ activityArn: 'no_an_activity_arn' })) };
  },
  async test_get_activity_task_deleted(context) {
    const { activityArn } = await newActivity(context, 'TestActivity-');
    await context.call(new DeleteActivityCommand({ activityArn }));
    return { no_such_activity: await context.call(new GetActivityTaskCommand({ activityArn })) };
  },
  async test_get_activity_task_invalid_arn(context) {
    return { exception: await context.raise(new GetActivityTaskCommand({ activityArn: 'no_an_activity_arn' })) };
  },
  async test_list_activities(context) {
    const arns: string[] = [];
    for (let i = 0; i < 3; i++) {
      const name = context.name(`TestActivity-${i}-`);
      const { activityArn } = await context.call(new CreateActivityCommand({ name }));
      context.replace(activityArn as string, `activity_arn_${i}`);
      context.replace(name, `activity_name_${i}`);
      arns.push(activityArn as string);
    }
    const listed = await context.call(new ListActivitiesCommand({}));
    const activities = (listed.activities as { activityArn: string }[]).filter((a) => arns.includes(a.activityArn));
    return { list_activities_response: { ...listed, activities } };
  },
};

export const ACTIVITY_CASES: Record<string, Replay> = { ...EXECUTION_CASES, ...API_CASES };

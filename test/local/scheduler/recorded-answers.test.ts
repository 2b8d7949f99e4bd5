import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-scheduler';
import { describe } from 'vitest';
import { itAnswersAsSnapshot, withoutMessageCopy } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/**
 * The local EventBridge Scheduler API against answers recorded on real AWS (LocalStack's
 * AWS-validated tests/aws/services/scheduler/test_scheduler.py; see
 * test/conformance/aws-recorded/scheduler/README.md): each recorded test is replayed call by call
 * through the AWS SDK v3 Scheduler client and every answer compared with AWS's, modulo the
 * recording's placeholders (the schedule's ARN).
 */
type Answer = Record<string, unknown>;

const local = restartableRuntime({
  assembly: () => assemblyOf({}),
  ownsAssembly: true,
  clients: (runtime) => ({ scheduler: new SchedulerClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
});

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** LocalStack's short_uid: eight hex digits. */
const shortUid = () =>
  Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, '0');

/** An output as botocore reported it to the recording: without the SDK's `$metadata`, with `ResponseMetadata.HTTPStatusCode`. */
async function call(command: object): Promise<Answer> {
  const output = (await local.scheduler.send(command as never)) as Answer & { $metadata: { httpStatusCode?: number } };
  const { $metadata, ...rest } = output;
  return { ...rest, ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
}

/** A failed call's `ClientError.response`: code, message and status. */
async function failure(command: object): Promise<Answer> {
  try {
    await local.scheduler.send(command as never);
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    if (e.$metadata === undefined) throw error;
    return { Error: { Code: e.name, Message: e.message }, ResponseMetadata: { HTTPStatusCode: e.$metadata.httpStatusCode } };
  }
  throw new Error('the call succeeded; the recording expects an error');
}

/** The events_scheduler_create_schedule_group fixture: a group, by ARN. */
async function group(Name: string, Tags?: { Key: string; Value: string }[]): Promise<string> {
  const { ScheduleGroupArn } = await local.scheduler.send(new CreateScheduleGroupCommand({ Name, ...(Tags ? { Tags } : {}) }));
  return ScheduleGroupArn as string;
}

/** tests_create_schedule_with_invalid_schedule_expression[<expression>]: CreateSchedule refuses it. */
const invalid = (ScheduleExpression: string) => async (): Promise<Answer> => ({
  'invalid-schedule-expression': await failure(
    new CreateScheduleCommand({
      Name: `rule-${shortUid()}`,
      ScheduleExpression,
      FlexibleTimeWindow: { MaximumWindowInMinutes: 4, Mode: 'FLEXIBLE' },
      Target: { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dummy`, RoleArn: `arn:aws:iam::${ACCOUNT}:role/role-name` },
    }),
  ),
});

/** test_create_schedule_with_valid_cron_expressions[<expression>]: CreateSchedule takes it (the role is an ARN: no IAM API locally). */
const validCron = (ScheduleExpression: string) => async (): Promise<Answer> => ({
  'create-schedule': await call(
    new CreateScheduleCommand({
      Name: `test-scheduler-${shortUid()}`,
      ScheduleExpression,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:dummy`,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/test-scheduler-role-${shortUid()}`,
      },
    }),
  ),
});

const INVALID = [
  'cron(0 1 * * * *)',
  'cron(7 20 * * NOT *)',
  'cron(INVALID)',
  'cron(0 dummy ? * MON-FRI *)',
  'cron(71 8 1 * ? *)',
  'cron()',
  'rate(10 seconds)',
  'rate(10 years)',
  'rate()',
  'rate(10)',
  'rate(10 minutess)',
  'rate(foo minutes)',
  'rate(-10 minutes)',
  'rate( 10 minutes )',
  ' rate(10 minutes)',
  'at(2021-12-31T23:59:59Z)',
  'at(2021-12-31)',
];
const VALID_CRON = [
  'cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)',
  'cron(30-30 13-13 ? * 2,4,6 *)',
  'cron(1-31/30 1-1 ? * 1,7 *)',
  'cron(0 18 ? * MON-FRI *)',
  'cron(*/15 * * * ? *)',
  'cron(0-59/10 0-23/2 ? * * *)',
];

const CASES: Readonly<Record<string, () => Promise<Answer>>> = {
  // Validated without a snapshot: the test asserts that Schedules is a list.
  test_list_schedules: async () => {
    const { Schedules } = await local.scheduler.send(new ListSchedulesCommand({}));
    if (!Array.isArray(Schedules)) throw new Error(`ListSchedules answered Schedules ${JSON.stringify(Schedules)}`);
    return {};
  },
  test_tag_resource: async () => {
    const arn = await group(shortUid());
    await local.scheduler.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'TagKey', Value: 'TagValue' }] }));
    return { 'list-tagged-schedule': await call(new ListTagsForResourceCommand({ ResourceArn: arn })) };
  },
  test_untag_resource: async () => {
    const arn = await group(shortUid(), [{ Key: 'TagKey', Value: 'TagValue' }]);
    await local.scheduler.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['TagKey'] }));
    return { 'list-untagged-schedule': await call(new ListTagsForResourceCommand({ ResourceArn: arn })) };
  },
  ...Object.fromEntries(
    INVALID.map((expression) => [`tests_create_schedule_with_invalid_schedule_expression[${expression}]`, invalid(expression)]),
  ),
  ...Object.fromEntries(
    VALID_CRON.map((expression) => [`test_create_schedule_with_valid_cron_expressions[${expression}]`, validCron(expression)]),
  ),
  // A one-time schedule in the past is taken (it never fires); the test's role is made through IAM, here an ARN.
  tests_create_schedule_with_valid_schedule_expression: async () => ({
    'valid-schedule-expression': await call(
      new CreateScheduleCommand({
        Name: `test-scheduler-${shortUid()}`,
        ScheduleExpression: 'at(2022-12-31T23:59:59)',
        FlexibleTimeWindow: { MaximumWindowInMinutes: 4, Mode: 'FLEXIBLE' },
        Target: {
          Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:test-lambda-function-${shortUid()}`,
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/test-role-${shortUid()}`,
        },
      }),
    ),
  }),
};

describe('EventBridge Scheduler answers recorded on AWS', () => {
  itAnswersAsSnapshot(CASES, [new URL('../../conformance/aws-recorded/scheduler/test_scheduler.snapshot.json', import.meta.url)], {
    asCompared: withoutMessageCopy,
  });
});

import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type LoggingConfiguration,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { credentials, region } from '../helpers.js';
import { BASE_PASS_RESULT, createMachine, startExecution, template } from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded logging tests, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/test_sfn_api_logs.py (a machine's `loggingConfiguration`
 * as CreateStateMachine, UpdateStateMachine and DescribeStateMachine take and answer it) and
 * logs/test_logs.py (what an execution logs to its CloudWatch Logs group at each level) make
 * them; each returns the answers by the recording's keys.
 */

type Level = 'ALL' | 'ERROR' | 'FATAL' | 'OFF';

/** The tests' CloudWatch Logs client, on the runtime's endpoint; `use` gets it, and it is closed after. */
async function withLogs<T>(context: ReplayContext, use: (logs: CloudWatchLogsClient) => Promise<T>): Promise<T> {
  const logs = new CloudWatchLogsClient({ endpoint: context.endpoint, region, credentials, maxAttempts: 1 });
  try {
    return await use(logs);
  } finally {
    logs.destroy();
  }
}

/** `sfn_create_log_group`: a fresh group (shown as `log_group_name`), its name and ARN. */
async function createLogGroup(context: ReplayContext, logs: CloudWatchLogsClient): Promise<{ name: string; arn: string }> {
  const name = `/aws/vendedlogs/states/sfn-test-group-${context.name('')}`;
  context.replace(name, 'log_group_name');
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  return { name, arn: logGroups?.[0]?.arn as string };
}

const logTo = (level: Level, arn: string, includeExecutionData?: boolean): LoggingConfiguration => ({
  level,
  ...(includeExecutionData === undefined ? {} : { includeExecutionData }),
  destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: arn } }],
});

/** `create_state_machine_with_iam_role`: its name's prefix. */
const WITH_ROLE = { prefix: 'statemachine_create_and_record_execution_' };

/** CreateStateMachine that must fail (the tests' `create_state_machine` under `pytest.raises`): the error as the recording's. */
const refusedCreation = (context: ReplayContext, loggingConfiguration: LoggingConfiguration) => {
  context.replace(context.roleArn, 'snf_role_arn');
  const definition = JSON.stringify(BASE_PASS_RESULT);
  return context.raise(
    new CreateStateMachineCommand({ name: context.name(WITH_ROLE.prefix), definition, roleArn: context.roleArn, loggingConfiguration }),
  );
};

const describe = (context: ReplayContext, stateMachineArn: string) => context.call(new DescribeStateMachineCommand({ stateMachineArn }));

const LOGGING_LEVELS: Level[] = ['ALL', 'FATAL', 'ERROR', 'OFF'];

const API_LOGS_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    LOGGING_LEVELS.flatMap((level) =>
      [false, true].map((flag): [string, Replay] => [
        `test_logging_configuration[${level}-${flag ? 'True' : 'False'}]`,
        (context) =>
          withLogs(context, async (logs) => {
            const group = await createLogGroup(context, logs);
            const created = await createMachine(context, BASE_PASS_RESULT, { loggingConfiguration: logTo(level, group.arn, flag) });
            return { creation_resp: created, describe_resp: await describe(context, created.stateMachineArn) };
          }),
      ]),
    ),
  ),
  ...Object.fromEntries(
    [{}, { destinations: [] }].map((loggingConfiguration, i): [string, Replay] => [
      `test_incomplete_logging_configuration[logging_configuration${i}]`,
      async (context) => {
        const created = await createMachine(context, BASE_PASS_RESULT, { loggingConfiguration });
        return { creation_resp: created, describe_resp: await describe(context, created.stateMachineArn) };
      },
    ]),
  ),
  ...Object.fromEntries(
    (['ALL', 'FATAL', 'ERROR'] as const).map((level, i): [string, Replay] => [
      `test_invalid_logging_configuration[logging_configuration${i}]`,
      async (context) => ({ exception: await refusedCreation(context, { level }) }),
    ]),
  ),
  'test_sfn_api_logs::test_deleted_log_group': (context) =>
    withLogs(context, async (logs) => {
      const group = await createLogGroup(context, logs);
      await logs.send(new DeleteLogGroupCommand({ logGroupName: group.name }));
      return { exception: await refusedCreation(context, logTo('ALL', group.arn)) };
    }),
  test_multiple_destinations: (context) =>
    withLogs(context, async (logs) => {
      const [a, b] = [await createLogGroup(context, logs), await createLogGroup(context, logs)];
      const destinations = [a, b].map((g) => ({ cloudWatchLogsLogGroup: { logGroupArn: g.arn } }));
      return { exception: await refusedCreation(context, { level: 'ALL', destinations }) };
    }),
  test_update_logging_configuration: (context) =>
    withLogs(context, async (logs) => {
      const group = await createLogGroup(context, logs);
      const config = logTo('ALL', group.arn, true);
      const created = await createMachine(context, BASE_PASS_RESULT, { loggingConfiguration: config });
      const stateMachineArn = created.stateMachineArn;
      const update = (loggingConfiguration: LoggingConfiguration) =>
        new UpdateStateMachineCommand({ stateMachineArn, loggingConfiguration });
      const answers: Answer = { creation_resp: created, describe_resp: await describe(context, stateMachineArn) };
      await context.call(update({ ...config, level: 'FATAL' }));
      answers.describe_resp_log_level = await describe(context, stateMachineArn);
      await context.call(update({ ...config, level: 'FATAL' }));
      answers.describe_resp_no_change = await describe(context, stateMachineArn);
      const withoutData = { ...config, level: 'FATAL' as const, includeExecutionData: false };
      await context.call(update(withoutData));
      answers.describe_resp_flag = await describe(context, stateMachineArn);
      const second = await createLogGroup(context, logs);
      const destinations = [...(withoutData.destinations ?? []), { cloudWatchLogsLogGroup: { logGroupArn: second.arn } }];
      answers.exception_multiple_endpoints = await context.raise(update({ ...withoutData, destinations }));
      answers.exception_invalid = await context.raise(update({ level: 'ALL' }));
      return answers;
    }),
};

const MINUTE_MS = 60_000;

/** The stream the tests read an execution's records from: the group's last, once it is not only the delivery check's. */
const DELIVERY_CHECK_STREAM = 'log_stream_created_by_aws_to_validate_log_delivery_subscriptions';

/** The records of the group's last stream, as JSON (`await_on_execution_logs`), or undefined when only the delivery check's stream is there. */
async function loggedEvents(logs: CloudWatchLogsClient, logGroupName: string): Promise<unknown[] | undefined> {
  const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName }));
  const logStreamName = logStreams?.at(-1)?.logStreamName;
  if (logStreamName === undefined || logStreamName === DELIVERY_CHECK_STREAM) return undefined;
  const { events } = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true }));
  return (events ?? []).map((e) => JSON.parse(e.message as string) as unknown);
}

/**
 * `launch_and_record_execution` and `launch_and_record_logs`: one execution to its end, its
 * history, and (a level other than OFF) the records its group got. The runtime writes them as
 * the execution goes, and CloudWatch Logs' reads commit what is pending, so one read after the
 * end has them all; a level that logs nothing of the execution leaves no stream of it, as the
 * tests' "no expected events" finds.
 */
async function launchAndRecordLogs(
  context: ReplayContext,
  logs: CloudWatchLogsClient,
  stateMachineArn: string,
  level: Level,
  logGroupName: string,
): Promise<Answer> {
  const { executionArn } = await startExecution(context, stateMachineArn, '{}');
  await context.ended(executionArn);
  const answers: Answer = { get_execution_history: await context.call(new GetExecutionHistoryCommand({ executionArn })) };
  const logged = level === 'OFF' ? undefined : await loggedEvents(logs, logGroupName);
  if (logged !== undefined) answers.logged_execution_events = logged;
  return answers;
}

const LOG_TEMPLATES: Record<string, () => unknown> = {
  'pass_result.json5': () => BASE_PASS_RESULT,
  'raise_failure.json5': () => template('base/statemachines/raise_failure.json'),
  'wait_seconds_path.json5': () => template('base/statemachines/wait_seconds_path.json'),
};

/** test_base: the machine made without logging, then updated to log at `level` (`create_and_record_logs`). */
const baseCase =
  (definition: unknown, level: Level, flag: boolean): Replay =>
  (context) =>
    withLogs(context, async (logs) => {
      const { stateMachineArn } = await createMachine(context, definition, WITH_ROLE);
      const group = await createLogGroup(context, logs);
      await context.call(new UpdateStateMachineCommand({ stateMachineArn, loggingConfiguration: logTo(level, group.arn, flag) }));
      return launchAndRecordLogs(context, logs, stateMachineArn, level, group.name);
    });

/** test_partial_log_levels: the machine made logging at `level`. */
const partialCase =
  (definition: unknown, level: Level, flag: boolean): Replay =>
  (context) =>
    withLogs(context, async (logs) => {
      const group = await createLogGroup(context, logs);
      const { stateMachineArn } = await createMachine(context, definition, {
        ...WITH_ROLE,
        loggingConfiguration: logTo(level, group.arn, flag),
      });
      return launchAndRecordLogs(context, logs, stateMachineArn, level, group.name);
    });

const each = (levels: Level[], make: (definition: unknown, level: Level, flag: boolean) => Replay, test: string) =>
  Object.fromEntries(
    Object.entries(LOG_TEMPLATES).flatMap(([file, definition]) =>
      levels.flatMap((level) =>
        [false, true].map((flag): [string, Replay] => [
          `${test}[${file}_${level}_${flag ? 'True' : 'False'}]`,
          make(definition(), level, flag),
        ]),
      ),
    ),
  );

const LOGS_CASES: Record<string, Replay> = {
  ...each(['ALL'], baseCase, 'test_base'),
  ...each(['ERROR', 'FATAL', 'OFF'], partialCase, 'test_partial_log_levels'),
  'test_logs::test_deleted_log_group': (context) =>
    withLogs(context, async (logs) => {
      const group = await createLogGroup(context, logs);
      const { stateMachineArn } = await createMachine(context, BASE_PASS_RESULT, {
        ...WITH_ROLE,
        loggingConfiguration: logTo('ALL', group.arn),
      });
      await logs.send(new DeleteLogGroupCommand({ logGroupName: group.name }));
      const { executionArn } = await startExecution(context, stateMachineArn, '{}');
      await context.ended(executionArn);
      return { get_execution_history: await context.call(new GetExecutionHistoryCommand({ executionArn })) };
    }),
  test_log_group_with_multiple_runs: (context) =>
    withLogs(context, async (logs) => {
      const group = await createLogGroup(context, logs);
      const created = await createMachine(context, BASE_PASS_RESULT, { ...WITH_ROLE, loggingConfiguration: logTo('ALL', group.arn) });
      const { stateMachineArn } = created;
      // The three executions ran within a minute on AWS; the runtime logs each to its minute's stream, so they start in one.
      const left = MINUTE_MS - ((created.creationDate as Date).getTime() % MINUTE_MS);
      if (left < 3_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
      for (let i = 0; i < 3; i++) {
        const started = await context.call(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ ExecutionNumber: i }) }));
        context.replace(String(started.executionArn).split(':').at(-1) as string, `<ExecArnPart_${i}idx>`);
        await context.ended(started.executionArn as string);
      }
      const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group.name }));
      if ((logStreams ?? []).length < 2) throw new Error('the test waits for two streams: the delivery check and the executions');
      return { logged_execution_events: await loggedEvents(logs, group.name) };
    }),
};

export const SFN_LOGS_CASES: Record<string, Replay> = { ...API_LOGS_CASES, ...LOGS_CASES };

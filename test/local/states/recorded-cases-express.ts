import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { credentials, eventually, region } from '../helpers.js';
import {
  BASE_PASS_RESULT,
  createMachine,
  type Definition,
  functionCode,
  lambdaFunction,
  stateOf,
  template,
} from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded Express tests, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/express/test_express_sync.py and test_express_async.py
 * make them: an EXPRESS machine, one execution through StartSyncExecution (its answer), or
 * through StartExecution with the machine logging ALL to a CloudWatch Logs group (the last
 * record the group gets, its end event).
 */

/** The tests' machines: the function's name goes in the input or its ARN in the definition. */
export interface ExpressCase {
  readonly definition: (fn: { name: string; arn: string } | undefined) => Definition | typeof BASE_PASS_RESULT;
  readonly input: (fn: { name: string; arn: string } | undefined) => unknown;
  /** The test's function (templates/errorhandling/lambdafunctions/raise_exception.py), shown as `lambda_function_name`. */
  readonly raises?: boolean;
  /** The test's RegexTransformer of the `requestId` in the function's error payload, as it spaces it. */
  readonly requestId?: readonly [RegExp, string];
  /** The test replaces the dates of the context object (`$..StartTime`, `$..EnteredTime`, ...). */
  readonly contextDates?: boolean;
}

const CASES: Record<string, ExpressCase> = {
  'test_base[BASE_PASS_RESULT]': { definition: () => BASE_PASS_RESULT, input: () => ({}) },
  'test_base[BASE_RAISE_FAILURE]': { definition: () => template('base/statemachines/raise_failure.json'), input: () => ({}) },
  test_query_runtime_memory: {
    definition: () => template('base/statemachines/query_context_object_values.json'),
    input: () => ({ message: 'TestMessage' }),
    contextDates: true,
  },
  test_catch: {
    definition: () => template('errorhandling/statemachines/task_service_lambda_invoke_catch_all.json'),
    input: (fn) => ({ FunctionName: fn?.name, Payload: null }),
    raises: true,
    // The integration's cause is the payload's compact JSON; the test's pattern leaves its quote out.
    requestId: [/"requestId":"[a-f0-9-]+"/g, '"requestId":<request-id>"'],
  },
  test_retry: {
    definition: (fn) => {
      const definition = template('scenarios/statemachines/lambda_invoke_with_retry_extended_input.json');
      stateOf(definition, 'InvokeLambdaWithRetry').Resource = fn?.arn;
      return definition;
    },
    input: () => ({}),
    raises: true,
    requestId: [/"requestId": "[a-f0-9-]+"/g, '"requestId": "<request-id>"'],
  },
};

/** The function and the transformers the test registers before its machine: their function, if any. */
async function prepare(context: ReplayContext, spec: ExpressCase): Promise<{ name: string; arn: string } | undefined> {
  if (spec.contextDates) {
    context.replace(/"(StartTime|execution_starttime)":"[^"]*"/g, '"$1":"start-time"');
    context.replace(/"(EnteredTime|state_enteredtime)":"[^"]*"/g, '"$1":"entered-time"');
  }
  if (!spec.raises) return undefined;
  const fn = await lambdaFunction(context, functionCode('errorhandling/lambdafunctions/raise_exception.py'), 'lambda_function_name', {
    prefix: 'lambda_func_',
  });
  if (spec.requestId) context.replace(...spec.requestId);
  return fn;
}

/** `create_and_record_express_sync_execution`: the machine's creation and StartSyncExecution's answer. */
export const syncCase =
  (spec: ExpressCase): Replay =>
  async (context) => {
    const fn = await prepare(context, spec);
    const created = await createMachine(context, spec.definition(fn), { role: 'sfn_role_arn', type: 'EXPRESS' });
    const started = await context.call(
      new StartSyncExecutionCommand({ stateMachineArn: created.stateMachineArn, input: JSON.stringify(spec.input(fn)) }),
    );
    const [part1, part2] = String(started.executionArn).split(':').slice(-2);
    context.replace(part1 as string, '<SyncExecArn_Part1_0idx>');
    context.replace(part2 as string, '<SyncExecArn_Part2_0idx>');
    return { creation_response: created, start_execution_sync_response: started };
  };

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/**
 * `create_and_record_express_async_execution`: a log group (`sfn_create_log_group`), the
 * machine logging ALL to it with the execution's data, StartExecution, and the group's last
 * record once it is the execution's end.
 */
export const asyncCase =
  (spec: ExpressCase): Replay =>
  async (context) => {
    const logs = new CloudWatchLogsClient({ endpoint: context.endpoint, region, credentials, maxAttempts: 1 });
    try {
      const fn = await prepare(context, spec);
      const logGroupName = `/aws/vendedlogs/states/sfn-test-group-${context.name('')}`;
      context.replace(logGroupName, 'log_group_name');
      await logs.send(new CreateLogGroupCommand({ logGroupName }));
      const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }));
      const loggingConfiguration = {
        level: 'ALL' as const,
        includeExecutionData: true,
        destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: logGroups?.[0]?.arn } }],
      };
      const created = await createMachine(context, spec.definition(fn), { role: 'sfn_role_arn', type: 'EXPRESS', loggingConfiguration });
      const started = await context.call(
        new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, input: JSON.stringify(spec.input(fn)) }),
      );
      const [part1, part2] = String(started.executionArn).split(':').slice(-2);
      context.replace(part1 as string, '<ExpressExecArn_Part1_0idx>');
      context.replace(part2 as string, '<ExpressExecArn_Part2_0idx>');
      const endEvent = await eventually(
        async () => {
          const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName }));
          const logStreamName = logStreams?.at(-1)?.logStreamName;
          if (logStreamName === undefined) return undefined;
          const { events } = await logs.send(new GetLogEventsCommand({ logGroupName, logStreamName, startFromHead: true }));
          const last = events?.at(-1)?.message;
          const record = last === undefined ? undefined : (JSON.parse(last) as Answer);
          return record && TERMINAL.has(String(record.type)) ? record : undefined;
        },
        15_000,
        'the execution end event in its log group',
      );
      return { creation_response: created, end_event: endEvent };
    } finally {
      logs.destroy();
    }
  };

export const EXPRESS_CASES: Record<string, Replay> = Object.fromEntries(
  Object.entries(CASES).flatMap(([test, spec]) => [
    [`test_express_sync::${test}`, syncCase(spec)],
    [`test_express_async::${test}`, asyncCase(spec)],
  ]),
);

/** The Express tests that wait out a Retry's intervals (1, 2 and 4 s) in real time: an Express execution has no history to skip them by. */
export const EXPRESS_REAL_TIME = ['test_express_sync::test_retry', 'test_express_async::test_retry'];

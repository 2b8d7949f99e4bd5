import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { itAnswersAsRecorded, KnownDifferences } from '../../helpers/recorded-answers.js';
import { ACTIVITY_CASES } from './recorded-cases-activities.js';
import { ALIAS_CASES } from './recorded-cases-aliases.js';
import { API_CASES } from './recorded-cases-api.js';
import { API_GATEWAY_CASES } from './recorded-cases-apigateway.js';
import { BASE_STATE_CASES, BASE_STATE_KNOWN_DIFFERENCES, BASE_STATE_REAL_TIME } from './recorded-cases-base-states.js';
import { CALLBACK_CASES, CALLBACK_REAL_TIME } from './recorded-cases-callbacks.js';
import { CREDENTIALS_CASES } from './recorded-cases-credentials.js';
import { DEFINITION_CASES, RUNTIME_ERROR_CASES } from './recorded-cases-definitions.js';
import { ERROR_CASES } from './recorded-cases-errors.js';
import { EXPRESS_CASES, EXPRESS_REAL_TIME } from './recorded-cases-express.js';
import { JSONATA_CASES } from './recorded-cases-jsonata.js';
import { LAMBDA_TASK_CASES } from './recorded-cases-lambda.js';
import { OUTPUT_DECLARATION_CASES } from './recorded-cases-outputs.js';
import { PARALLEL_MAP_CASES } from './recorded-cases-parallel-map.js';
import { SCENARIO_CASES } from './recorded-cases-scenarios.js';
import { SERVICE_SCENARIO_CASES } from './recorded-cases-service-scenarios.js';
import { SERVICE_CASES } from './recorded-cases-services.js';
import { SFN_API_CASES } from './recorded-cases-sfn-api.js';
import { SFN_API_MORE_CASES } from './recorded-cases-sfn-api-more.js';
import { SFN_LOGS_CASES } from './recorded-cases-sfn-logs.js';
import { SFN_SCENARIO_CASES } from './recorded-cases-sfn-scenarios.js';
import { TEST_STATE_CASES } from './recorded-cases-test-state.js';
import { TEST_STATE_CONTEXT_CASES } from './recorded-cases-test-state-context.js';
import { TEST_STATE_MOCK_CASES } from './recorded-cases-test-state-mocks.js';
import { VARIABLE_CASES } from './recorded-cases-variables.js';
import { VERSION_CASES } from './recorded-cases-versions.js';
import {
  compareCase,
  type Replacement,
  type ReplayClients,
  type ReplayContext,
  recordedFileOf,
  recordedTests,
  replayContext,
  startReplay,
} from './recorded-replay.js';

/**
 * The local Step Functions against answers recorded on real AWS (LocalStack's AWS-validated
 * activity, versioning, aliasing, API error, definition validation and runtime error tests, and the
 * Lambda task tests with their Python functions; see test/conformance/aws-recorded/stepfunctions/README.md):
 * each recorded test is replayed call by call through the AWS SDK v3 client and every answer
 * compared with AWS's, modulo the recording's placeholders (names, ARNs, ids, dates).
 */
let runtime: LocalRuntime;
let clients: ReplayClients;
/** What the replay running now registered for its comparison (the recording's RegexTransformers). */
let replacements: Replacement[] = [];

/**
 * Differences the local Step Functions still has, by test and the path they are found at: each
 * must still occur when its test runs (the last test says which no longer does, so that it is
 * taken off this list).
 */
const KNOWN_DIFFERENCES = new KnownDifferences([
  {
    test: 'test_lambda_task::test_invoke_json_values[0.0]',
    path: /^get_execution_history\.events\[\d+\]\.\w+EventDetails\.(input|output)$/,
    reason:
      "a number's text is not kept: AWS passes the input 0.0 on (to the function, out of the state) as 0.0; the local " +
      "engine's JSON values are JavaScript numbers, so 0.0 goes on as 0",
  },
  {
    test: 'test_lambda_task_service::test_invoke_json_values[0.0]',
    path: /\.SdkHttpMetadata\.(AllHttpHeaders\.Content-Length\[0\]|HttpHeaders\.Content-Length)$/,
    reason:
      "a number's text is not kept: the function gets the Payload 0.0 as 0 and answers 0, one byte where AWS's " +
      'answered 0.0 in three (the Payload compares equal as a number)',
  },
  {
    test: 'test_map_state_config_distributed_reentrant_lambda',
    path: /^get_execution_history\.events\[(10|20)\]\.previousEventId$/,
    reason:
      "this recording (2024-05) has a distributed Map's MapStateExited follow its MapRunSucceeded, as AWS's recordings " +
      'did until 2024-08; those since 2024-11 (test_map_state_nested_config_distributed and nine others) follow its ' +
      'MapRunStarted, as the engine does',
  },
  ...BASE_STATE_KNOWN_DIFFERENCES,
  {
    test: 'test_service_lambda_map_timeout',
    path: /^get_execution_history\.events$/,
    reason:
      "four Map iterations time out together, and AWS's history records the race: each iteration's TaskTimedOut, then " +
      'the first failure and the aborts; the engine aborts the other iterations at the first timeout, before theirs ' +
      '(30 events to 33; LocalStack marks the test needs_fixing)',
  },
  {
    test: 'test_variables_in_lambda_task[BASE_REFERENCE_IN_LAMBDA_TASK_FIELDS]',
    path: /^get_execution_history\.events\[[67]\]\./,
    reason:
      "the machine's role may not assume the task's Credentials role on AWS (not authorized to assume the task state's " +
      'role, a TaskFailed); the local runtime models no role trust and assumes it, so the function runs',
  },
  ...['JSONATA', 'PATH', 'PATH_CONTEXT', 'VARIABLE', 'INTRINSIC'].map((id) => ({
    test: `test_cross_account_states_start_sync_execution[SFN_START_EXECUTION_SYNC_ROLE_ARN_${id}]`,
    path: /\.taskSubmittedEventDetails\.output\.SdkHttpMetadata\.(AllHttpHeaders\.Content-Length\[0\]|HttpHeaders\.Content-Length)$/,
    reason:
      "StartExecution's Content-Length counts its body, whose execution ARN names the region and whose startDate has " +
      'as many digits as the time it started: the recording shows neither (<region>, <start-date>), so its length ' +
      '(177 or 178) cannot be had locally; the runtime answers the length of its own body',
  })),
  ...['strict', 'present'].map((mode) => ({
    test: `test_${mode}_mode_aws_sdk_lambda_get_function_task[integer_more_than_maximum_allowed]`,
    path: /^validation-exception\./,
    reason:
      "Lambda's MemorySize was at most 10240 in the API model when AWS refused the mocked 10241 (2025-11); botocore's " +
      'model now allows 32768 (local/endpoint/aws-models/outputs/lambda.json, botocore 1.43.11), which the mock check follows',
  })),
  {
    test: 'test_max_concurrency_path_negative',
    path: /^get_execution_history\.events$/,
    reason:
      "AWS's history of a Map whose MaxConcurrencyPath is negative holds only ExecutionStarted: the execution never went " +
      'on (LocalStack: AWS "consistently appears to stall"); the engine fails it with States.Runtime, as AWS documents ' +
      'MaxConcurrency as a non-negative integer',
  },
  {
    test: 'test_parallel_state_nested',
    path: /^get_execution_history\.events\[[3-8]\]\.(stateEnteredEventDetails\.input|\w+EventDetails\.output)$/,
    reason:
      "this recording (2024-03) carries the execution's input text as sent (Python's '[[1, 2, 3], [4, 5, 6]]') into " +
      "the branches and out of the Parallel states; the engine writes each state's JSON after the first compactly, as " +
      "AWS's later recordings do even for the first state (test_map_state_label, 2024-07, local/states/engine/KNOWN_GAPS.json)",
  },
  {
    test: 'test_publish_message_attributes',
    path: /\.SdkHttpMetadata\.(AllHttpHeaders|HttpHeaders)\.connection$/,
    reason:
      "this recording (2023-09) has SNS's answer without a connection header; AWS's recordings of sns:publish since " +
      '(test_publish_base and the other test_publish_message_attributes cases, 2025-11) have connection: keep-alive, as the runtime does',
  },
  {
    test: 'test_start_execution_input_json',
    path: /\.SdkHttpMetadata\.(AllHttpHeaders\.Content-Length\[0\]|HttpHeaders\.Content-Length)$/,
    reason:
      "StartExecution's answer is 163 bytes where the 2023 recordings of the same machine and execution names " +
      "(test_start_execution_sync's .sync task) are 161, as the runtime's: its length counts the region and the start date's " +
      'digits, which the recording hides (<region>, start-date); test_sync_with_task_token (2024) has 164',
  },
  ...[
    ['PUT_GET_ITEM', '9|10|11'],
    ['PUT_UPDATE_GET_ITEM', '14|15|16'],
  ].map(([id, getItemEvents]) => ({
    test: `test_base_integrations[DYNAMODB_${id}]`,
    path: new RegExp(
      `^get_execution_history\\.events\\[(${getItemEvents})\\]\\..*\\.SdkHttpMetadata\\.(AllHttpHeaders|HttpHeaders)\\.x-amzn-(RequestId|requestid)$`,
    ),
    reason:
      "DynamoDB's GetItem answer names its request id header x-amzn-requestid in these recordings (2025-11-06) and " +
      'x-amzn-RequestId in test_base_scenarios::test_dynamodb_put_get_item (2025-10-28), as in every other DynamoDB answer ' +
      'recorded; the runtime writes x-amzn-RequestId',
  })),
  {
    test: 'test_create_update_state_machine_base_update_none',
    path: /^null_required_parameter$/,
    reason:
      'botocore refused definition=None and roleArn=None before sending (its type check, ParamValidationError): no request reached ' +
      'AWS, and the SDK v3 sends no member for a null one, which is the request missing_required_parameter already replays',
  },
  {
    test: 'test_wait_for_callback',
    path: /^(success|failure)__execution_history\.events\[4\]\.taskSubmittedEventDetails\.output\.SdkHttpMetadata\.(AllHttpHeaders|HttpHeaders)\.(Content-Length|Content-Type|connection)/,
    reason:
      "this recording (2023-03) has SQS's SendMessage answer in its XML protocol (text/xml, 378 bytes, no connection " +
      "header); SQS answers in AWS JSON 1.0 since late 2023, as AWS's recordings of sqs:sendMessage since show " +
      '(test_sqs_task_service::test_send_message, 2025-11: application/x-amz-json-1.0, 106 bytes, keep-alive), as the runtime does',
  },
  {
    test: 'test_sync_with_task_token',
    path: /^get_execution_history\.events\[4\]\.taskSubmittedEventDetails\.output\.SdkHttpMetadata\.(AllHttpHeaders\.Content-Length\[0\]|HttpHeaders\.Content-Length)$/,
    reason:
      "StartExecution's answer is 164 bytes where test_start_execution_sync's, the same machine and execution names, is 161 " +
      "(as the replay's): three more characters in the child's ARN, most likely a region with a longer name than us-east-1",
  },
]);

beforeAll(async () => {
  let rest: ReplayClients;
  ({ runtime, ...rest } = await startReplay());
  clients = rest;
});

afterAll(async () => {
  clients?.sfn.destroy();
  clients?.lambda.destroy();
  clients?.s3.destroy();
  await runtime?.stop();
});

describe('Step Functions answers recorded on AWS', () => {
  itAnswersAsRecorded(
    {
      ...ACTIVITY_CASES,
      ...VERSION_CASES,
      ...ALIAS_CASES,
      ...API_CASES,
      ...DEFINITION_CASES,
      ...RUNTIME_ERROR_CASES,
      ...LAMBDA_TASK_CASES,
      ...ERROR_CASES,
      ...SCENARIO_CASES,
      ...JSONATA_CASES,
      ...VARIABLE_CASES,
      ...OUTPUT_DECLARATION_CASES,
      ...TEST_STATE_CASES,
      ...TEST_STATE_MOCK_CASES,
      ...TEST_STATE_CONTEXT_CASES,
      ...CREDENTIALS_CASES,
      ...SERVICE_SCENARIO_CASES,
      ...PARALLEL_MAP_CASES,
      ...CALLBACK_CASES,
      ...EXPRESS_CASES,
      ...SERVICE_CASES,
      ...BASE_STATE_CASES,
      ...API_GATEWAY_CASES,
      ...SFN_API_CASES,
      ...SFN_API_MORE_CASES,
      ...SFN_LOGS_CASES,
      ...SFN_SCENARIO_CASES,
    },
    recordedTests,
    (test, live) => KNOWN_DIFFERENCES.unexpected(test, compareCase(test, live, replacements)),
    (): ReplayContext => {
      replacements = [];
      return replayContext(clients, replacements);
    },
    {
      categoryOf: recordedFileOf,
      // Each waits out a task's, an activity's or a heartbeat's timeout of 4-5 s in real time.
      realTime: [
        'test_activity_task_start_timeout',
        'test_activity_task_with_heartbeat',
        'test_invoke_timeout',
        'test_fixed_timeout_lambda',
        'test_fixed_timeout_service_lambda',
        'test_fixed_timeout_service_lambda_with_path',
        'test_service_lambda_map_timeout',
        ...CALLBACK_REAL_TIME,
        ...EXPRESS_REAL_TIME,
        ...BASE_STATE_REAL_TIME,
      ],
    },
  );
});

describe('Step Functions answers recorded on AWS, known differences', () => {
  it('meets every known difference of the tests that ran, so none is listed that is gone', () => {
    expect(KNOWN_DIFFERENCES.gone().map((k) => k.reason)).toEqual([]);
  });
});

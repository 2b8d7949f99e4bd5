import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { itAnswersAsRecorded, KnownDifferences } from '../../helpers/recorded-answers.js';
import { API_CASES } from './recorded-cases-api.js';
import { BEHAVIOR_CASES } from './recorded-cases-behavior.js';
import { DESTINATION_CASES } from './recorded-cases-destinations.js';
import { FUNCTION_CASES } from './recorded-cases-functions.js';
import { LAYER_CASES } from './recorded-cases-layers.js';
import { LIMIT_CASES } from './recorded-cases-limits.js';
import { MAPPING_CASES } from './recorded-cases-mappings.js';
import { NAME_CASES } from './recorded-cases-names.js';
import { PERMISSION_CASES } from './recorded-cases-permissions.js';
import { PYTHON_CASES } from './recorded-cases-python.js';
import { REQUEST_ID_CASES, TIMED_REQUEST_ID_CASES } from './recorded-cases-request-ids.js';
import { COMMON_CASES, RUNTIME_CASES, RUNTIME_KNOWN_DIFFERENCES } from './recorded-cases-runtimes.js';
import { SETTINGS_CASES } from './recorded-cases-settings.js';
import { STATE_CASES } from './recorded-cases-states.js';
import { TAG_AND_INVOKE_CASES } from './recorded-cases-tags.js';
import { URL_CASES } from './recorded-cases-urls.js';
import { VERSION_CASES } from './recorded-cases-versions.js';
import { VPC_CASES } from './recorded-cases-vpc.js';
import { compareCase, type ReplayContext, recordedTests, startReplay } from './recorded-replay.js';

/**
 * The local Lambda API against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/lambda_/test_lambda_api.py and test_lambda.py; see
 * test/conformance/aws-recorded/lambda/README.md): each recorded test is replayed call by call
 * through the AWS SDK v3 client and every answer compared with AWS's, modulo the recording's
 * placeholders (revision ids, digests, names, dates).
 */
let runtime: LocalRuntime;

/**
 * Differences the local Lambda still has, by test and the path they are found at: each must
 * still occur when its test runs (the last test says which no longer does, so that it is taken
 * off this list).
 */
const PYTHON_STACK_TRACE =
  "a Python error's stack trace names the files where they are: the local runtime runs a function's code in its " +
  "data folder (LAMBDA_TASK_ROOT), not at /var/task, and on the machine's python3, whose importlib frames differ " +
  "from Lambda's python3.13 (LocalStack skips this path too)";
/** Where each test's Python stack traces are: an invocation's error, a destination's record of it, its log. */
const STACK_TRACES: Readonly<Record<string, RegExp>> = {
  'TestLambdaErrors::test_lambda_handler_error': /^invocation_error\.Payload\.stackTrace/,
  'TestLambdaErrors::test_lambda_runtime_error': /^invocation_error\.Payload\.stackTrace/,
  'TestLambdaDestinationSqs::test_assess_lambda_destination_invocation[payload1]':
    /^receive_message_result\.Messages\[0\]\.Body\.responsePayload\.stackTrace/,
  'TestLambdaDestinationSqs::test_lambda_destination_default_retries':
    /^receive_message_result\.Messages\[0\]\.Body\.responsePayload\.stackTrace/,
  'TestLambdaDestinationSqs::test_retries': /^queue_destination_payload\.Messages\[0\]\.Body\.responsePayload\.stackTrace/,
  'TestLambdaDestinationSqs::test_maxeventage': /^(no_retry|single_retry)_failure_message\.Body\.responsePayload\.stackTrace/,
  'TestLambdaDLQ::test_dead_letter_queue': /^(invoke_result\.Payload\.stackTrace|log_result\.result\[5\])/,
  'TestLambdaDestinationEventbridge::test_invoke_lambda_eventbridge':
    /^lambda_destination_event_bus_failure\.detail\.responsePayload\.stackTrace/,
};

const KNOWN_DIFFERENCES = new KnownDifferences([
  ...Object.entries(STACK_TRACES).map(([test, path]) => ({ test, path, reason: PYTHON_STACK_TRACE })),
  ...['body-n\\x87r\\x9e\\xe9\\xb5\\xd7I\\xee\\x9bmt', 'message-\\x99\\xeb,j\\x07\\xa1zYh'].map((id) => ({
    test: `TestLambdaErrors::test_lambda_invoke_payload_encoding_error[${id}]`,
    path: /^invoke_function_invalid_payload_(body|message)\.(Error\.Message|message)$/,
    reason:
      "Lambda's front end parses a payload with Jackson and quotes its parser's words for the first bad byte and where it is " +
      '(`Invalid UTF-8 start byte 0x87 ... column: 3`); the local runtime refuses the same payloads with the same error and ' +
      'its own words (`Invalid UTF-8 in the request body`); LocalStack does not compare these texts either',
  })),
  {
    test: 'TestLambdaDestinationSqs::test_maxeventage',
    path: /^single_retry_failure_message\.Attributes\.SenderId$/,
    reason:
      "AWS's destination messages are sent by Lambda as a session of the function's role, another for the second " +
      "event's record (its SenderId differs); the local runtime sends every record as the account's own sender",
  },
  {
    test: 'TestLambdaURL::test_lambda_url_echo_http_fixture_default',
    path: /^url_response\.headers\.x-amzn-tls-(cipher-suite|version)$/,
    reason:
      "a function URL's event names the TLS version and cipher suite of the client's HTTPS connection; the local endpoint " +
      'serves plain HTTP, so there are none to name',
  },
  {
    test: 'TestLambdaLayer::test_layer_exceptions',
    path: /^list_layers_exc_compatibleruntime_invalid\.Error\.Message$/,
    reason:
      "ListLayers' refusal of a CompatibleRuntime lists the Runtime enum of AWS's own model, in its set's order and with " +
      "values botocore's model (1.43.11, local/endpoint/aws-models/lambda.json), which the endpoint validates against, does not have",
  },
  {
    test: 'TestLambdaLayer::test_layer_function_exceptions',
    path: /^add_layer_arn_without_version_exc\.Error\.Message$/,
    reason:
      'a Layers item without its version is refused quoting each constraint of the item, `Member must not be null` last; the ' +
      "endpoint quotes the item's lengths and pattern (wholeMemberConstraints) but not that one, which Lambda's published model " +
      'does not say (its SubnetIds and Architectures refusals do not quote it either)',
  },
  ...RUNTIME_KNOWN_DIFFERENCES,
]);
let context: ReplayContext;
let close: () => void;
/** The replay of the tests that wait out Lambda's retries, on a clock it moves. */
let timed: Awaited<ReturnType<typeof startReplay>> | undefined;

beforeAll(async () => {
  const started = await startReplay();
  runtime = started.runtime;
  context = started.context;
  close = started.close;
  timed = await startReplay({ clock: new AdvanceableClock() });
});

afterAll(async () => {
  close?.();
  timed?.close();
  await Promise.all([runtime?.stop(), timed?.runtime.stop()]);
});

/**
 * The tests that wait out Lambda's retries (a minute, then two): replayed on a runtime of their
 * own whose clock the replay moves (`runUntilIdle`), in seconds.
 */
const VIRTUAL_TIME_CASES = { ...DESTINATION_CASES, ...TIMED_REQUEST_ID_CASES };
const timedTest = (test: string) => Object.hasOwn(VIRTUAL_TIME_CASES, test);

describe('Lambda answers recorded on AWS', () => {
  itAnswersAsRecorded(
    {
      ...FUNCTION_CASES,
      ...STATE_CASES,
      ...VERSION_CASES,
      ...TAG_AND_INVOKE_CASES,
      ...PYTHON_CASES,
      ...PERMISSION_CASES,
      ...LAYER_CASES,
      ...MAPPING_CASES,
      ...NAME_CASES,
      ...API_CASES,
      ...SETTINGS_CASES,
      ...LIMIT_CASES,
      ...COMMON_CASES,
      ...RUNTIME_CASES,
      ...BEHAVIOR_CASES,
      ...URL_CASES,
      ...REQUEST_ID_CASES,
      ...VPC_CASES,
    },
    () => recordedTests().filter((test) => !timedTest(test)),
    (test, live) => KNOWN_DIFFERENCES.unexpected(test, compareCase(test, live)),
    () => context,
    // Each waits out its function's sleep in real time (1-2 s; the function update tests' 20 and 22 s).
    {
      realTime: [
        'TestLambdaBehavior::test_lambda_invoke_with_timeout',
        'TestLambdaBehavior::test_lambda_invoke_no_timeout',
        'TestLambdaVersions::test_function_update_during_invoke',
        'TestLambdaVersions::test_async_invoke_queue_upon_function_update',
      ],
      timeoutMs: 60_000,
    },
  );
});

describe('Lambda answers recorded on AWS, its retries waited out on a clock the replay moves', () => {
  itAnswersAsRecorded(
    VIRTUAL_TIME_CASES,
    () => recordedTests().filter(timedTest),
    (test, live) => KNOWN_DIFFERENCES.unexpected(test, compareCase(test, live)),
    () => {
      if (!timed) throw new Error('the virtual-time replay did not start');
      return timed.context;
    },
  );
});

describe('Lambda answers recorded on AWS, known differences', () => {
  it('meets every known difference of the tests that ran, so none is listed that is gone', () => {
    expect(KNOWN_DIFFERENCES.gone().map((k) => k.reason)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/clock.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { itAnswersAsRecorded, KnownDifferences, parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import { DYNAMODB_STREAM_CASES } from './recorded-cases-dynamodb-streams.js';
import { KINESIS_STREAM_CASES } from './recorded-cases-kinesis-streams.js';
import { type Answer, compareCase, recordedTestsIn, startReplay } from './recorded-replay.js';
import type { StreamReplayContext } from './stream-mapping-fixtures.js';

/**
 * Lambda's event source mappings of DynamoDB and Kinesis streams against answers recorded on
 * real AWS (LocalStack's AWS-validated tests/aws/services/lambda_/event_source_mapping/
 * test_lambda_integration_dynamodbstreams.py and test_lambda_integration_kinesis.py; see
 * test/conformance/aws-recorded/lambda/README.md): each test's calls replayed through the SDK's
 * clients, and what the mappings did read as the tests read it (the function's log events, the
 * failure records in a queue, topic or bucket), compared with AWS's modulo the placeholders.
 */
const FILES = [
  'stream-mappings/test_lambda_integration_dynamodbstreams.snapshot.json',
  'stream-mappings/test_lambda_integration_kinesis.snapshot.json',
];

/** Differences the local mappings still have, by test and path (each must still occur when its test runs). */
const KNOWN_DIFFERENCES = new KnownDifferences([
  {
    test: 'TestDynamoDBEventSourceMapping::test_dynamodb_report_batch_item_failures',
    path: /^dynamodb_records\.Records$/,
    reason:
      "AWS's log shows the failing item (testId5) in five invocations where its failure record counts four " +
      '(approximateInvokeCount 4: its first batch and three retries); the local mapping invokes it four times ' +
      '(LocalStack skips $..Records here too: "an extra log record")',
  },
  {
    test: 'TestKinesisSource::test_kinesis_report_batch_item_failures',
    path: /^kinesis_records\.Records$/,
    reason:
      "AWS's log shows the failing record (test_5) in five invocations where its failure record counts four " +
      '(approximateInvokeCount 4); the local mapping invokes it four times (LocalStack skips $..Records here too)',
  },
  {
    test: 'TestKinesisSource::test_kinesis_maximum_record_age_exceeded[expire-while-retrying]',
    path: /^record_age_exceeded_payload\.Messages\[0\]\.Body\.requestContext\.approximateInvokeCount$/,
    reason:
      'how many times AWS retried the record in the minute before it expired (8) follows the pace of its retries, which ' +
      'it does not document; the replay retries every 20 ms and moves the clock past the minute after the first failure',
  },
]);

let runtime: LocalRuntime;
let context: StreamReplayContext;
let close: () => void;

beforeAll(async () => {
  // A failed batch is retried after 20 ms, not the runtime's second: the recordings show the retries, not their pace.
  // The clock moves with real time, and past a minute where a record is to expire (MaximumRecordAgeInSeconds is at least 60).
  const clock = new AdvanceableClock();
  const started = await startReplay({ pipesRetryBaseMs: 20, clock });
  runtime = started.runtime;
  context = { ...started.context, advance: (ms) => clock.advanceTo(clock.now() + ms, { timeoutMs: 10_000 }) };
  close = started.close;
});

afterAll(async () => {
  close?.();
  await runtime?.stop();
});

describe('Lambda stream mappings as recorded on AWS', () => {
  itAnswersAsRecorded(
    { ...DYNAMODB_STREAM_CASES, ...KINESIS_STREAM_CASES },
    () => FILES.flatMap(recordedTestsIn),
    // A live string that is a JSON object (a filter's Pattern) is compared as the snapshot parsed it.
    (test, live) => KNOWN_DIFFERENCES.unexpected(test, compareCase(test, parsedAsSnapshot(live) as Answer)),
    () => context,
    {
      // Their function (lambda_parallel.py) sleeps 5 s each batch, and the test waits for two or three batches in turn.
      realTime: [
        'TestKinesisSource::test_kinesis_event_source_mapping_with_async_invocation',
        'TestKinesisSource::test_kinesis_event_source_trim_horizon',
      ],
      timeoutMs: 30_000,
      // Each waits for a function's invocations (about a second): npm test replays a few.
      sampleEvery: 12,
    },
  );
});

describe('Lambda stream mappings as recorded on AWS, known differences', () => {
  it('meets every known difference of the tests that ran, so none is listed that is gone', () => {
    expect(KNOWN_DIFFERENCES.gone().map((k) => k.reason)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/clock.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { itAnswersAsRecorded, KnownDifferences, parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import { SQS_FILTER_CASES } from './recorded-cases-sqs-filters.js';
import { SQS_MAPPING_CASES } from './recorded-cases-sqs-mappings.js';
import { compareCase, recordedTestsIn, startReplay } from './recorded-replay.js';
import { type SqsMappingContext, sqsMappingContext } from './sqs-mapping-replay.js';

/**
 * Lambda's SQS event source mappings against answers recorded on real AWS (LocalStack's
 * AWS-validated tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_sqs.py;
 * see test/conformance/aws-recorded/lambda/README.md): each recorded test is replayed with the
 * AWS SDK v3 clients, its functions LocalStack's own Python handlers, and every answer (a mapping,
 * an error, what a function logged or sent on) compared with AWS's as LocalStack's snapshot kept
 * it (a string that is a JSON object parsed). The runtime runs on a clock the replays move past
 * visibility timeouts rather than wait them out.
 */
let runtime: LocalRuntime;
let context: SqsMappingContext;
let close: () => void;

const FILE = 'event-source-mappings/test_lambda_integration_sqs.snapshot.json';

/**
 * Differences the local runtime still has, by test and the path they are found at: each must
 * still occur when its test runs (the last test says which no longer does).
 */
const KNOWN_DIFFERENCES = new KnownDifferences([
  ...[
    'test_failing_lambda_retries_after_visibility_timeout',
    'test_redrive_policy_with_failing_lambda',
    'test_report_batch_item_failures',
    'test_report_batch_item_failures_invalid_result_json_batch_fails',
    'test_report_batch_item_failures_empty_json_batch_succeeds',
  ].map((test) => ({
    test,
    path: /\.md5OfMessageAttributes$/,
    reason:
      "a record of a message without attributes carries md5OfMessageAttributes: null, as AWS's records do in every " +
      'recording of TestSQSEventSourceMapping (made the same day); the recordings of the tests outside that class leave the key out',
  })),
]);

beforeAll(async () => {
  const clock = new AdvanceableClock();
  const started = await startReplay({ clock });
  runtime = started.runtime;
  context = sqsMappingContext(started.context, clock);
  close = () => {
    started.close();
    context.sqs.destroy();
    context.logs.destroy();
  };
});

afterAll(async () => {
  close?.();
  await runtime?.stop();
});

describe('Lambda SQS event source mappings as recorded on AWS', () => {
  itAnswersAsRecorded(
    { ...SQS_FILTER_CASES, ...SQS_MAPPING_CASES },
    () => recordedTestsIn(FILE),
    (test, live) => KNOWN_DIFFERENCES.unexpected(test, compareCase(test, parsedAsSnapshot(live) as Record<string, unknown>)),
    () => context,
    {
      // Each waits out its mapping's batching window of 2 s in real time: a batch is work in flight while it gathers.
      realTime: [15, 100, 1000, 10_000].map((size) => `TestSQSEventSourceMapping::test_sqs_event_source_mapping_batch_size[${size}]`),
      // Every test runs Python functions behind a poller (about a second each): npm test replays one in fifteen.
      sampleEvery: 15,
    },
  );
});

describe('Lambda SQS event source mappings as recorded on AWS, known differences', () => {
  it('meets every known difference of the tests that ran, so none is listed that is gone', () => {
    expect(KNOWN_DIFFERENCES.gone().map((k) => k.reason)).toEqual([]);
  });
});

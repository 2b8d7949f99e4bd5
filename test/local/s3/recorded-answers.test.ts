import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe } from 'vitest';
import { anyValueUnder, itAnswersAsSnapshot } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';
import type { S3Replay } from './recorded-cases.js';
import { snsAndEventBridgeCases } from './recorded-cases-sns-eventbridge.js';
import { sqsCases } from './recorded-cases-sqs.js';

/**
 * S3's event notifications against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3_notifications_{sqs,sns,eventbridge}.py; see
 * test/conformance/aws-recorded/s3/README.md): each recorded test is replayed call by call through
 * the AWS SDK v3 clients, and what the queue received (event records, SNS envelopes, EventBridge
 * events) and the configurations and errors S3 answered compared with AWS's, modulo the
 * recording's placeholders (names, ids, ip addresses).
 */
const RECORDINGS = ['test_s3_notifications_sqs', 'test_s3_notifications_sns', 'test_s3_notifications_eventbridge'].map(
  (file) => new URL(`../../conformance/aws-recorded/s3/${file}.snapshot.json`, import.meta.url),
);

const local: S3Replay = restartableRuntime({
  assembly: () => assemblyOf({}),
  ownsAssembly: true,
  clients: (runtime) => ({
    s3: s3Client(runtime.url),
    sqs: new SQSClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }),
    sns: new SNSClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }),
    events: new EventBridgeClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }),
  }),
});

const CASES = { ...sqsCases(local), ...snsAndEventBridgeCases(local) };

/** What each test's `skip_snapshot_verify` leaves out, on both sides. */
const SKIPPED: Readonly<Record<string, readonly string[]>> = {
  'TestS3NotificationsToSQS::test_invalid_sqs_arn': [
    'queue-does-not-exist.Error.ArgumentName1',
    'queue-does-not-exist.Error.ArgumentValue1',
    'queue-does-not-exist.Error.ArgumentName',
    'queue-does-not-exist.Error.ArgumentValue',
  ],
  'TestS3NotificationsToSQS::test_multiple_invalid_sqs_arns': [
    '*.Error.ArgumentName',
    '*.Error.ArgumentValue',
    '*.Error.ArgumentName1',
    '*.Error.ArgumentValue1',
    '*.Error.ArgumentName2',
    '*.Error.ArgumentValue2',
    '*.Error.Message',
  ],
  'TestS3NotificationsToSns::test_invalid_topic_arn': ['*.Error.ArgumentName', '*.Error.ArgumentValue'],
};

/**
 * The values the tests' transformers replaced without a reference (`reference_replacement=False`),
 * which stand for any value: the s3_notifications_transformer's and the SQS test's, and the
 * EventBridge test's (its sequencer is `object-sequencer`).
 */
const ANY_VALUE = {
  MD5OfBody: 'm-d5-of-body',
  'x-amz-id-2': 'amz-id',
  'x-amz-request-id': 'amz-request-id',
  sequencer: 'sequencer',
  versionId: 'version-id',
};
const ANY_EVENTBRIDGE_VALUE = { sequencer: 'object-sequencer', 'request-id': 'request-id' };

describe('S3 notifications against answers recorded on AWS', () => {
  itAnswersAsSnapshot(CASES, RECORDINGS, {
    asCompared: (answer) => anyValueUnder(anyValueUnder(answer, ANY_VALUE), ANY_EVENTBRIDGE_VALUE),
    skipped: SKIPPED,
  });
});

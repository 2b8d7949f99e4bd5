import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { itAnswersAsRecorded } from '../../helpers/recorded-answers.js';
import { CASES, replayContext } from './recorded-cases.js';
import { compareCase, type ReplayContext, recordedTests, startReplay } from './recorded-replay.js';

/**
 * The local SQS against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/sqs/test_sqs.py; see test/conformance/aws-recorded/sqs/README.md):
 * each recorded test is replayed call by call through the AWS SDK v3 client and every
 * answer compared with AWS's, modulo the recording's placeholders (ids, receipt handles,
 * timestamps, names).
 */
let runtime: LocalRuntime;
let sqs: SQSClient;
let context: ReplayContext;

beforeAll(async () => {
  const started = await startReplay();
  runtime = started.runtime;
  sqs = started.sqs;
  context = replayContext(runtime, sqs, started.last);
});

afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

describe('SQS answers recorded on AWS', () => {
  itAnswersAsRecorded(CASES, recordedTests, compareCase, () => context);
});

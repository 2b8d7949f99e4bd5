import { afterAll, beforeAll, describe } from 'vitest';
import { itAnswersAsRecorded } from '../../helpers/recorded-answers.js';
import { CASES } from './recorded-cases.js';
import { compareCase, type ReplayContext, recordedTests, startReplay } from './recorded-replay.js';

/**
 * The local DynamoDB against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/dynamodb/test_dynamodb.py; see test/conformance/aws-recorded/dynamodb/README.md):
 * each recorded test is replayed call by call through the AWS SDK v3 clients and every answer
 * compared with AWS's, modulo the recording's placeholders (names, ids, dates, sequence numbers).
 */
let context: ReplayContext;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ context, close } = await startReplay());
});

afterAll(async () => {
  await close?.();
});

describe('DynamoDB answers recorded on AWS', () => {
  itAnswersAsRecorded(CASES, recordedTests, compareCase, () => context);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  it('replays every recorded test it holds', () => {
    expect(Object.keys(CASES).sort()).toEqual(recordedTests().sort());
  });

  it.each(Object.keys(CASES))(
    'answers %s as AWS did',
    async (test) => {
      const replay = CASES[test];
      if (!replay) throw new Error(`no replay for ${test}`);
      expect(compareCase(test, await replay(context))).toEqual([]);
    },
    20_000,
  );
});

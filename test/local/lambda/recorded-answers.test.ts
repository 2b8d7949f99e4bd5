import { afterAll, beforeAll, describe } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { itAnswersAsRecorded } from '../../helpers/recorded-answers.js';
import { FUNCTION_CASES } from './recorded-cases-functions.js';
import { STATE_CASES } from './recorded-cases-states.js';
import { TAG_AND_INVOKE_CASES } from './recorded-cases-tags.js';
import { VERSION_CASES } from './recorded-cases-versions.js';
import { compareCase, type ReplayContext, recordedTests, startReplay } from './recorded-replay.js';

/**
 * The local Lambda API against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/lambda_/test_lambda_api.py and test_lambda.py; see
 * test/conformance/aws-recorded/lambda/README.md): each recorded test is replayed call by call
 * through the AWS SDK v3 client and every answer compared with AWS's, modulo the recording's
 * placeholders (revision ids, digests, names, dates).
 */
let runtime: LocalRuntime;
let context: ReplayContext;
let close: () => void;

beforeAll(async () => {
  const started = await startReplay();
  runtime = started.runtime;
  context = started.context;
  close = started.close;
});

afterAll(async () => {
  close?.();
  await runtime?.stop();
});

describe('Lambda answers recorded on AWS', () => {
  itAnswersAsRecorded(
    { ...FUNCTION_CASES, ...STATE_CASES, ...VERSION_CASES, ...TAG_AND_INVOKE_CASES },
    recordedTests,
    compareCase,
    () => context,
  );
});

import type { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { itAnswersAsRecorded } from '../../helpers/recorded-answers.js';
import { ACTIVITY_CASES } from './recorded-cases-activities.js';
import { ALIAS_CASES } from './recorded-cases-aliases.js';
import { API_CASES } from './recorded-cases-api.js';
import { DEFINITION_CASES, RUNTIME_ERROR_CASES } from './recorded-cases-definitions.js';
import { VERSION_CASES } from './recorded-cases-versions.js';
import { compareCase, type ReplayContext, recordedTests, replayContext, startReplay } from './recorded-replay.js';

/**
 * The local Step Functions against answers recorded on real AWS (LocalStack's AWS-validated
 * activity, versioning, aliasing, API error, definition validation and runtime error tests; see test/conformance/aws-recorded/stepfunctions/README.md):
 * each recorded test is replayed call by call through the AWS SDK v3 client and every answer
 * compared with AWS's, modulo the recording's placeholders (names, ARNs, ids, dates).
 */
let runtime: LocalRuntime;
let sfn: SFNClient;
/** What the replay running now registered for its comparison (the recording's RegexTransformers). */
let replacements: [string, string][] = [];

beforeAll(async () => {
  ({ runtime, sfn } = await startReplay());
});

afterAll(async () => {
  sfn?.destroy();
  await runtime?.stop();
});

describe('Step Functions answers recorded on AWS', () => {
  itAnswersAsRecorded(
    { ...ACTIVITY_CASES, ...VERSION_CASES, ...ALIAS_CASES, ...API_CASES, ...DEFINITION_CASES, ...RUNTIME_ERROR_CASES },
    recordedTests,
    (test, live) => compareCase(test, live, replacements),
    (): ReplayContext => {
      replacements = [];
      return replayContext(sfn, replacements);
    },
  );
});

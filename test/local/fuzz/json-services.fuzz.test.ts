import { describe, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/aws-models/refresh-models.js';
import { loadModel, type ModelService } from '../../../local/endpoint/validation/model.js';
import { type FuzzRuntime, fixtureHints, restoreLogsFixture, useFuzzRuntime } from './fixture.js';
import { assertWithSeeds, expectJsonAnswer, FUZZ_RUNS, jsonRequest } from './harness.js';
import { garbageBody, mutatedInput } from './model-inputs.js';

const SERVICES: readonly {
  service: ModelService;
  target: string;
  version: '1.0' | '1.1';
  enums?: boolean;
  /** Run before every request: puts back fixture resources a fuzzed delete removed. */
  prepare?: (fuzz: FuzzRuntime) => void;
}[] = [
  { service: 'events', target: 'AWSEvents', version: '1.1' },
  { service: 'stepfunctions', target: 'AWSStepFunctions', version: '1.0' },
  { service: 'ssm', target: 'AmazonSSM', version: '1.1' },
  { service: 'kms', target: 'TrentService', version: '1.1' },
  // SQS answers unknown attribute names itself (InvalidAttributeName): its enums are not request checks.
  { service: 'sqs', target: 'AmazonSQS', version: '1.0', enums: false },
  { service: 'logs', target: 'Logs_20140328', version: '1.1', prepare: restoreLogsFixture },
  { service: 'kinesis', target: 'Kinesis_20131202', version: '1.1' },
  { service: 'firehose', target: 'Firehose_20150804', version: '1.1' },
  { service: 'secretsmanager', target: 'secretsmanager', version: '1.1' },
  { service: 'cloudwatch', target: 'GraniteServiceVersion20100801', version: '1.0' },
];

describe('the JSON-protocol endpoint under fuzzing', () => {
  const fuzz = useFuzzRuntime();

  for (const { service, target, version, enums, prepare } of SERVICES) {
    const model = loadModel(service);
    for (const operation of SERVED_OPERATIONS[service] ?? []) {
      it(`answers ${target}.${operation} in AWS's shape, never with a 500, never accepting an input made invalid`, async () => {
        const inputs = mutatedInput(model, operation, { hints: fixtureHints(fuzz.url), enums });
        await assertWithSeeds(inputs, async ({ input, body, invalid }) => {
          prepare?.(fuzz);
          const answer = await jsonRequest(fuzz.url, `${target}.${operation}`, version, body);
          expectJsonAnswer(answer, { operation, input }, invalid);
        });
      });
    }

    it(`answers ${target} bodies that are not a JSON object with a 4xx in AWS's shape`, async () => {
      const operations = SERVED_OPERATIONS[service] ?? [];
      await assertWithSeeds(
        garbageBody(),
        async ({ body, invalid }) => {
          for (const operation of operations) {
            const answer = await jsonRequest(fuzz.url, `${target}.${operation}`, version, body);
            expectJsonAnswer(answer, { operation, body }, invalid);
          }
        },
        Math.ceil(FUZZ_RUNS / 3),
      );
    });
  }
});

import { readdirSync } from 'node:fs';
import { TestStateCommand, ValidationException } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputModelServices } from '../../../local/endpoint/validation/model.js';
import { sfnCased } from '../../../local/states/mock-validation.js';
import { statesOnEndpoint } from './test-state-sdk.js';

/**
 * TestState's `mock.fieldValidationMode` where the recorded replay does not hold it: the cases
 * AWS answered (tests/aws/services/stepfunctions/v2/test_state/test_field_validation_mode*.py) are
 * replayed by recorded-answers.test.ts (recorded-cases-test-state-mocks.ts); what is left here is
 * an integer over the API model's maximum, which the recording cannot check (it sent 10241, over
 * Lambda's maximum then, under the model's now: a known difference there), a callback task's
 * result, and how the SDK's member names are cased.
 */
let env: Awaited<ReturnType<typeof statesOnEndpoint>>;
beforeAll(async () => {
  env = await statesOnEndpoint();
});
afterAll(async () => env?.close());

const task = (resource: string, parameters: object) => ({ Type: 'Task', Resource: resource, Parameters: parameters, End: true });
const LAMBDA_GET_FUNCTION = task('arn:aws:states:::aws-sdk:lambda:getFunction', { 'FunctionName.$': '$.FunctionName' });

const INPUT = { FunctionName: 'function_name' };

/** TestState of one task, its result mocked and checked in the default (STRICT) mode. */
function testState(definition: object, result: unknown) {
  return env.sfn.send(
    new TestStateCommand({
      definition: JSON.stringify(definition),
      input: JSON.stringify(INPUT),
      inspectionLevel: 'INFO',
      mock: { result: JSON.stringify(result) },
    }),
  );
}

async function refusal(definition: object, result: unknown): Promise<string> {
  const error = await testState(definition, result).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationException);
  return (error as Error).message;
}

describe('TestState mock field validation', () => {
  it("fails in STRICT mode on an integer over the API model's maximum", async () => {
    // Recorded with 10241 when Lambda's maximum was 10240 MB; the API model (botocore 1.43.11) now says 32768.
    expect(await refusal(LAMBDA_GET_FUNCTION, { Configuration: { MemorySize: 32769 } })).toBe(
      "Mock result schema validation error: Field 'MemorySize' exceeds the maximum value",
    );
  });

  it('fails in STRICT mode on a mocked Kinesis or AI service result of the wrong type, as for the optimized integrations', async () => {
    const putRecord = task('arn:aws:states:::aws-sdk:kinesis:putRecord', { StreamName: 's', Data: 'x', PartitionKey: 'k' });
    expect(await refusal(putRecord, { ShardId: 7, SequenceNumber: '1' })).toBe(
      "Mock result schema validation error: Field 'ShardId' must be a string",
    );
    const detect = task('arn:aws:states:::aws-sdk:textract:detectDocumentText', { Document: { Bytes: 'x' } });
    expect(await refusal(detect, { DocumentMetadata: { Pages: 'one' } })).toMatch("Field 'Pages' must be");
  });

  it('checks the results of every service with an API model: each has its output model', () => {
    const models = readdirSync(new URL('../../../local/endpoint/aws-models/', import.meta.url)).filter((f) => f.endsWith('.json'));
    expect(models.length).toBeGreaterThan(20);
    for (const file of models) expect(outputModelServices(), file).toContain(file.slice(0, -'.json'.length));
  });

  it('does not check the result of a callback task, which is not the operation output', async () => {
    const callback = task('arn:aws:states:::sqs:sendMessage.waitForTaskToken', { QueueUrl: 'q', 'MessageBody.$': '$$.Task.Token' });
    expect((await testState(callback, { MessageId: ['anything the worker sent'] })).status).toBe('SUCCEEDED');
  });
});

describe('sfnCased', () => {
  it.each([
    ['executionArn', 'ExecutionArn'],
    ['MD5OfMessageBody', 'Md5OfMessageBody'],
    ['ETag', 'ETag'],
    ['SSEKMSKeyId', 'SsekmsKeyId'],
    ['StatusCode', 'StatusCode'],
  ])("spells %s as Step Functions' SDK does: %s", (api, sfn) => {
    expect(sfnCased(api)).toBe(sfn);
  });
});

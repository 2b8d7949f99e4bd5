import { TestStateCommand, ValidationException } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfnCased } from '../../../local/states/mock-validation.js';
import { statesOnEndpoint } from './test-state-sdk.js';

/**
 * TestState's `mock.fieldValidationMode` (STRICT by default: every required member present and
 * every present member of the API's type; PRESENT: only the latter; NONE: no check; the API
 * reference's MockInput). Each case and answer is one AWS gave, as localstack recorded it
 * (tests/aws/services/stepfunctions/v2/test_state/test_field_validation_mode.py, its
 * .snapshot.json and test_field_validation_mode_none.snapshot.json); AWS documents no text.
 */
let env: Awaited<ReturnType<typeof statesOnEndpoint>>;
beforeAll(async () => {
  env = await statesOnEndpoint();
});
afterAll(async () => env?.close());

const task = (resource: string, parameters: object) => ({ Type: 'Task', Resource: resource, Parameters: parameters, End: true });
const PUT_EVENTS = task('arn:aws:states:::events:putEvents', { 'Entries.$': '$.Entries' });
const START_EXECUTION = task('arn:aws:states:::states:startExecution', { 'StateMachineArn.$': '$.stateMachineArn', 'Name.$': '$.name' });
const LAMBDA_INVOKE = task('arn:aws:states:::lambda:invoke', { 'FunctionName.$': '$.FunctionName', 'Payload.$': '$.Payload' });
const PUT_ITEM = task('arn:aws:states:::dynamodb:putItem', { 'TableName.$': '$.TableName', 'Item.$': '$.Item' });
const S3_GET_OBJECT = task('arn:aws:states:::aws-sdk:s3:getObject', { 'Bucket.$': '$.Bucket', 'Key.$': '$.Key' });
const KMS_ENCRYPT = task('arn:aws:states:::aws-sdk:kms:encrypt', { 'KeyId.$': '$.KeyId', 'Plaintext.$': '$.Plaintext' });
const LAMBDA_GET_FUNCTION = task('arn:aws:states:::aws-sdk:lambda:getFunction', { 'FunctionName.$': '$.FunctionName' });

const INPUT = {
  Entries: [{ Detail: 'detail', DetailType: 'detail_type', Source: 'source' }],
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:TargetStateMachine',
  name: 'TestStartTarget',
  FunctionName: 'function_name',
  Payload: null,
  TableName: 'table_name',
  Item: { data: { S: 'HelloWorld' }, id: { S: 'id1' } },
  Bucket: 'bucket_name',
  Key: 'file_key',
  KeyId: 'key_id',
  Plaintext: 'plain_text',
};

function testState(definition: object, result: unknown, fieldValidationMode?: 'STRICT' | 'PRESENT' | 'NONE') {
  return env.sfn.send(
    new TestStateCommand({
      definition: JSON.stringify(definition),
      input: JSON.stringify(INPUT),
      inspectionLevel: 'INFO',
      mock: { result: JSON.stringify(result), ...(fieldValidationMode ? { fieldValidationMode } : {}) },
    }),
  );
}

async function refusal(definition: object, result: unknown, mode?: 'STRICT' | 'PRESENT'): Promise<string> {
  const error = await testState(definition, result, mode).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationException);
  return (error as Error).message;
}

describe('TestState mock field validation', () => {
  it.each([
    ['a field the API does not have', { random: 'json' }],
    ['an empty object', {}],
  ])('passes %s in STRICT mode: only the API fields are checked', async (_name, result) => {
    const answer = await testState(PUT_EVENTS, result);
    expect({ status: answer.status, output: JSON.parse(answer.output ?? 'null') }).toEqual({ status: 'SUCCEEDED', output: result });
  });

  it.each([
    [
      'a top-level field of the wrong type',
      PUT_EVENTS,
      { Entries: 'Entries value should have been a list of entry objects' },
      "Field 'Entries' must be an array",
    ],
    ['a nested field of the wrong type', PUT_EVENTS, { Entries: [{ EventId: ['not a string'] }] }, "Field 'EventId' must be a string"],
    [
      'a second array element of the wrong type',
      PUT_EVENTS,
      { Entries: [{ EventId: 'ok' }, { EventId: ['not a string'] }] },
      "Field 'EventId' must be a string",
    ],
    ['no required fields', START_EXECUTION, {}, "Required field 'ExecutionArn' is missing"],
    [
      "the API's own casing, not Step Functions'",
      START_EXECUTION,
      { executionArn: 'arn', startDate: 'date' },
      "Required field 'ExecutionArn' is missing",
    ],
    ['a boolean timestamp', START_EXECUTION, { ExecutionArn: 'arn', StartDate: true }, "Field 'StartDate' must be a string"],
    ['a number timestamp', START_EXECUTION, { ExecutionArn: 'arn', StartDate: 1764103483 }, "Field 'StartDate' must be a string"],
    ['an integer as text', LAMBDA_INVOKE, { StatusCode: '200' }, "Field 'StatusCode' must be a number"],
    ['a double as text', PUT_ITEM, { ConsumedCapacity: { CapacityUnits: '123.45' } }, "Field 'CapacityUnits' must be a number"],
    ['a long as text', S3_GET_OBJECT, { ContentLength: '9000' }, "Field 'ContentLength' must be a number"],
    ['a value the enum does not have', S3_GET_OBJECT, { StorageClass: 'Papyrus' }, "Field 'StorageClass' is not an expected value"],
    ['a number blob', KMS_ENCRYPT, { CiphertextBlob: 123 }, "Field 'CiphertextBlob' must be a string"],
    ['a blob under its minimum length', KMS_ENCRYPT, { CiphertextBlob: '' }, "Field 'CiphertextBlob' is smaller than the minimum length"],
    [
      'an integer under its minimum',
      LAMBDA_GET_FUNCTION,
      { Configuration: { MemorySize: 127 } },
      "Field 'MemorySize' is less than the minimum value",
    ],
    [
      // Recorded with 10241 when Lambda's maximum was 10240 MB; the API model (botocore 1.43.11) now says 32768.
      'an integer over its maximum',
      LAMBDA_GET_FUNCTION,
      { Configuration: { MemorySize: 32769 } },
      "Field 'MemorySize' exceeds the maximum value",
    ],
  ])('fails in STRICT mode on %s', async (_name, definition, result, message) => {
    expect(await refusal(definition, result)).toBe(`Mock result schema validation error: ${message}`);
  });

  it('checks only the fields present in PRESENT mode', async () => {
    expect((await testState(START_EXECUTION, {}, 'PRESENT')).status).toBe('SUCCEEDED');
    expect(await refusal(START_EXECUTION, { StartDate: true }, 'PRESENT')).toBe(
      "Mock result schema validation error: Field 'StartDate' must be a string",
    );
  });

  it.each([
    ['no required fields', {}],
    ['a boolean timestamp', { ExecutionArn: 'arn', StartDate: true }],
  ])('checks nothing in NONE mode: %s passes', async (_name, result) => {
    const answer = await testState(START_EXECUTION, result, 'NONE');
    expect({ status: answer.status, output: JSON.parse(answer.output ?? 'null') }).toEqual({ status: 'SUCCEEDED', output: result });
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

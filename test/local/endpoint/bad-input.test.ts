import { beforeAll, describe, expect, it } from 'vitest';
import { useFuzzRuntime } from '../fuzz/fixture.js';
import { type Answer, jsonRequest } from '../fuzz/harness.js';

/** Inputs found answered with 500, or accepted, by probing the endpoint as a careless client. */
describe('Endpoint with bad input', () => {
  const fuzz = useFuzzRuntime();
  let queueUrl: string;
  beforeAll(() => {
    queueUrl = `${fuzz.url}/000000000000/fuzz-queue`;
  });

  const events = (operation: string, body: unknown) => jsonRequest(fuzz.url, `AWSEvents.${operation}`, '1.1', JSON.stringify(body));
  const sqs = (operation: string, body: unknown) => jsonRequest(fuzz.url, `AmazonSQS.${operation}`, '1.0', JSON.stringify(body));
  const states = (operation: string, body: unknown) => jsonRequest(fuzz.url, `AWSStepFunctions.${operation}`, '1.0', JSON.stringify(body));
  const error = (answer: Answer) => ({ status: answer.status, ...(JSON.parse(answer.body) as { __type: string; message: string }) });
  const entry = { Source: 'fuzz', DetailType: 'Fuzzed', Detail: '{}', EventBusName: 'fuzz-bus' };

  it.each([
    ['PutEvents', "Value null at 'entries' failed to satisfy constraint: Member must not be null"],
    ['TestEventPattern', "Value null at 'event' failed to satisfy constraint: Member must not be null"],
  ])('fails if the body of %s is null, with a ValidationException', async (operation, violation) => {
    const answer = error(await events(operation, null));
    expect(answer).toMatchObject({ status: 400, __type: 'ValidationException' });
    expect(answer.message).toContain(violation);
  });

  it.each(['SendMessage', 'ReceiveMessage'])('fails if the body of %s is null, with MissingParameter', async (operation) => {
    const answer = await sqs(operation, null);
    expect(error(answer)).toMatchObject({
      status: 400,
      __type: 'com.amazonaws.sqs#MissingRequiredParameterException',
      message: 'The request must contain the parameter QueueUrl.',
    });
    expect(answer.headers['x-amzn-query-error']).toBe('MissingParameter;Sender');
  });

  it.each([
    ['Source: 123', { Entries: [{ ...entry, Source: 123 }] }, 'NUMBER_VALUE can not be converted to a String'],
    ['DetailType: 5', { Entries: [{ ...entry, DetailType: 5 }] }, 'NUMBER_VALUE can not be converted to a String'],
    ['EventBusName: 7', { Entries: [{ ...entry, EventBusName: 7 }] }, 'NUMBER_VALUE can not be converted to a String'],
    ['Resources: "arn:x"', { Entries: [{ ...entry, Resources: 'arn:x' }] }, 'STRING_VALUE can not be converted to a List'],
    ['Resources: [1, 2]', { Entries: [{ ...entry, Resources: [1, 2] }] }, 'NUMBER_VALUE can not be converted to a String'],
  ])('fails if PutEvents has %s, with a SerializationException', async (_, body, message) => {
    expect(error(await events('PutEvents', body))).toEqual({ status: 400, __type: 'SerializationException', message, Message: message });
  });

  it('fails if a PutEvents entry is null', async () => {
    expect(error(await events('PutEvents', { Entries: [null] }))).toMatchObject({
      status: 400,
      __type: 'ValidationException',
      message: "1 validation error detected: Value null at 'entries.1.member' failed to satisfy constraint: Member must not be null",
    });
  });

  it('fails if PutRule names its bus with a number', async () => {
    expect(error(await events('PutRule', { Name: 'r', EventBusName: 7, EventPattern: '{}' }))).toMatchObject({
      status: 400,
      __type: 'SerializationException',
    });
  });

  it.each([
    ['QueueUrl: 5', 'SendMessage', { QueueUrl: 5, MessageBody: 'x' }, 'NUMBER_VALUE can not be converted to a String'],
    ['MessageAttributeNames: 5', 'ReceiveMessage', { MessageAttributeNames: 5 }, 'NUMBER_VALUE can not be converted to a List'],
    ['AttributeNames: "All"', 'ReceiveMessage', { AttributeNames: 'All' }, 'STRING_VALUE can not be converted to a List'],
    ['AttributeNames: "All"', 'GetQueueAttributes', { AttributeNames: 'All' }, 'STRING_VALUE can not be converted to a List'],
  ])('fails if SQS gets %s in %s, with a SerializationException', async (_, operation, body, message) => {
    const answer = await sqs(operation, { QueueUrl: queueUrl, ...body });
    expect(error(answer)).toMatchObject({ status: 400, __type: 'com.amazonaws.sqs#SerializationException', message });
    expect(answer.headers['x-amzn-query-error']).toBe('SerializationException;Sender');
  });

  it.each(['SendMessageBatch', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch'])(
    'fails if a %s entry is null, as an entry without an Id, never with a 500',
    async (operation) => {
      const answer = await sqs(operation, { QueueUrl: queueUrl, Entries: [null] });
      expect(answer.status).toBe(400);
      expect(error(answer).__type).toMatch(/^com\.amazonaws\.sqs#/);
    },
  );

  it("leaves what is missing inside an SQS message attribute to SQS's own words", async () => {
    const answer = await sqs('SendMessage', { QueueUrl: queueUrl, MessageBody: 'x', MessageAttributes: { a: { StringValue: 'v' } } });
    expect(error(answer)).toMatchObject({
      status: 400,
      __type: 'com.amazonaws.sqs#InvalidParameterValueException',
      message: "The message (user) attribute 'a' must contain a non-empty attribute type.",
    });
  });

  it("fails if ListExecutions filters by a status Step Functions does not have, listing them in AWS's order", async () => {
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:fuzz-machine';
    expect(error(await states('ListExecutions', { stateMachineArn, statusFilter: 'DONE' }))).toMatchObject({
      status: 400,
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value 'DONE' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]",
    });
  });

  it('fails if StartExecution has a number as input', async () => {
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:fuzz-machine';
    expect(error(await states('StartExecution', { stateMachineArn, input: 5 }))).toMatchObject({
      status: 400,
      __type: 'SerializationException',
      message: 'NUMBER_VALUE can not be converted to a String',
    });
  });

  it.each([
    [
      'GenerateRandom',
      { NumberOfBytes: 1025 },
      "Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    ],
    [
      'GenerateDataKey',
      { KeyId: 'alias/fuzz', NumberOfBytes: 0 },
      "Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    ],
    [
      'GenerateDataKey',
      { KeyId: 'alias/fuzz', KeySpec: 'AES_512' },
      "Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]",
    ],
    [
      'ListKeys',
      { Limit: 1001 },
      "Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
    ],
    [
      'Encrypt',
      { KeyId: 'alias/fuzz', Plaintext: '' },
      "Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
  ])('fails if KMS %s breaks the model, with a ValidationException', async (operation, body, violation) => {
    const answer = await jsonRequest(fuzz.url, `TrentService.${operation}`, '1.1', JSON.stringify(body));
    expect(error(answer)).toMatchObject({
      status: 400,
      __type: 'ValidationException',
      message: `1 validation error detected: ${violation}`,
    });
  });

  it('fails if a DynamoDB key has a null attribute value, and DynamoDB keeps answering', async () => {
    const dynamodb = (operation: string, body: unknown) =>
      jsonRequest(fuzz.url, `DynamoDB_20120810.${operation}`, '1.0', JSON.stringify(body));
    expect(error(await dynamodb('GetItem', { TableName: 'fuzz-table', Key: { pk: null } }))).toMatchObject({
      status: 400,
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
    });
    expect((await dynamodb('GetItem', { TableName: 'fuzz-table', Key: { pk: { S: 'a' } } })).status).toBe(200);
  });

  /** A body with bytes that are not UTF-8 (0xff 0xfe) inside a string that is otherwise valid JSON. */
  const notUtf8 = (before: string, after: string) => Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe]), Buffer.from(after)]);

  it('fails if a JSON-protocol body is not UTF-8, with a SerializationException, and sends nothing', async () => {
    const body = notUtf8(`{"QueueUrl":"${queueUrl}","MessageBody":"a`, '"}');
    const answer = await fetch(fuzz.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' },
      body,
    });
    expect({ status: answer.status, ...((await answer.json()) as object) }).toMatchObject({
      status: 400,
      __type: 'com.amazonaws.sqs#SerializationException',
      message: 'request body is not valid UTF-8',
    });
    const received = JSON.parse((await sqs('ReceiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: 10 })).body) as {
      Messages?: { Body: string }[];
    };
    expect((received.Messages ?? []).filter((message) => message.Body.includes('\uFFFD'))).toEqual([]);
  });

  it('fails if an Invoke payload is not UTF-8, with the InvalidRequestContentException Lambda answers', async () => {
    const answer = await fetch(`${fuzz.url}/2015-03-31/functions/fuzz-function/invocations`, {
      method: 'POST',
      body: notUtf8('{"a":"', '"}'),
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(((await answer.json()) as { message: string }).message).toBe(
      'Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 in the request body',
    );
  });

  it('still accepts a valid event, and stores its detail-type as text', async () => {
    const answer = await events('PutEvents', { Entries: [entry] });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ FailedEntryCount: 0 });
  });
});

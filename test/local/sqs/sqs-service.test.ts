import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryErrorHeader, SqsError } from '../../../local/sqs/sqs-errors.js';
import type { SqsService } from '../../../local/sqs/sqs-service.js';
import type { ManualClock } from '../../../local/time/clock.js';
import { ACCOUNT, arnOf, BASE_URL, counts, createSqs } from './helpers.js';

let sqs: SqsService;
let clock: ManualClock;
let close: () => void;

beforeEach(() => {
  ({ sqs, clock, close } = createSqs());
});
afterEach(() => close());

const queueUrl = async (QueueName: string, Attributes?: Record<string, string>) =>
  (await sqs.CreateQueue({ QueueName, Attributes })).QueueUrl;

const receiveOne = async (QueueUrl: string, extra: { VisibilityTimeout?: number } = {}) => {
  const { Messages } = await sqs.ReceiveMessage({ QueueUrl, MessageSystemAttributeNames: ['All'], ...extra });
  return Messages[0];
};

describe('SqsService queues', () => {
  it('creates a queue at a URL under the account, and again idempotently when the attributes match', async () => {
    const url = await queueUrl('orders', { VisibilityTimeout: '60' });
    expect(url).toBe(`${BASE_URL}/${ACCOUNT}/orders`);
    expect(await queueUrl('orders', { VisibilityTimeout: '60' })).toBe(url);
    expect(await queueUrl('orders')).toBe(url);
    expect((await sqs.GetQueueUrl({ QueueName: 'orders' })).QueueUrl).toBe(url);
  });

  it('fails if a queue of that name exists with a different attribute value', async () => {
    await queueUrl('orders', { DelaySeconds: '5' });
    const failure = sqs.CreateQueue({ QueueName: 'orders', Attributes: { DelaySeconds: '10' } });
    await expect(failure).rejects.toMatchObject({
      code: 'QueueNameExists',
      queryErrorCode: 'QueueAlreadyExists',
      status: 400,
      message: 'A queue already exists with the same name and a different value for attribute DelaySeconds',
    });
  });

  it('fails if a queue name breaks the naming rules', async () => {
    await expect(sqs.CreateQueue({ QueueName: 'a'.repeat(81) })).rejects.toMatchObject({ code: 'InvalidParameterValueException' });
    await expect(sqs.CreateQueue({ QueueName: 'has space' })).rejects.toMatchObject({ queryErrorCode: 'InvalidParameterValue' });
    await expect(sqs.CreateQueue({ QueueName: 'plain.fifo' })).rejects.toThrow(/alphanumeric/);
    await expect(sqs.CreateQueue({ QueueName: 'nofifo', Attributes: { FifoQueue: 'true' } })).rejects.toThrow(/\.fifo suffix/);
    expect(await queueUrl(`${'a'.repeat(75)}.fifo`, { FifoQueue: 'true' })).toContain('.fifo');
  });

  it('fails if an attribute is unknown or out of range', async () => {
    await expect(sqs.CreateQueue({ QueueName: 'q', Attributes: { Colour: 'blue' } })).rejects.toMatchObject({
      code: 'InvalidAttributeName',
      message: 'Unknown Attribute Colour.',
    });
    await expect(sqs.CreateQueue({ QueueName: 'q', Attributes: { VisibilityTimeout: '43201' } })).rejects.toMatchObject({
      code: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter VisibilityTimeout.',
    });
    await expect(sqs.CreateQueue({ QueueName: 'q', Attributes: { ContentBasedDeduplication: 'true' } })).rejects.toMatchObject({
      code: 'InvalidAttributeName',
    });
  });

  it('reports the defaults, the configured values and the computed attributes', async () => {
    clock.advance(12_345);
    const url = await queueUrl('jobs.fifo', { FifoQueue: 'true', VisibilityTimeout: '45', Policy: '{"Version":"2012-10-17"}' });
    const { Attributes } = await sqs.GetQueueAttributes({ QueueUrl: url, AttributeNames: ['All'] });
    expect(Attributes).toEqual({
      QueueArn: arnOf('jobs.fifo'),
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      CreatedTimestamp: String(Math.floor(clock.now() / 1000)),
      LastModifiedTimestamp: String(Math.floor(clock.now() / 1000)),
      VisibilityTimeout: '45',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'queue',
      FifoThroughputLimit: 'perQueue',
      Policy: '{"Version":"2012-10-17"}',
    });
    const some = await sqs.GetQueueAttributes({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] });
    expect(some.Attributes).toEqual({ VisibilityTimeout: '45' });
    expect((await sqs.GetQueueAttributes({ QueueUrl: url })).Attributes).toEqual({});
  });

  it('fails if GetQueueAttributes asks for an unknown attribute, but not for a FIFO one on a standard queue', async () => {
    const url = await queueUrl('std');
    await expect(sqs.GetQueueAttributes({ QueueUrl: url, AttributeNames: ['Colour'] })).rejects.toMatchObject({
      code: 'InvalidAttributeName',
      message: 'Unknown Attribute Colour.',
    });
    expect(await sqs.GetQueueAttributes({ QueueUrl: url, AttributeNames: ['FifoQueue'] })).toEqual({ Attributes: {} });
  });

  it('changes attributes and the modification time with SetQueueAttributes', async () => {
    const url = await queueUrl('q');
    clock.advance(5_000);
    await sqs.SetQueueAttributes({ QueueUrl: url, Attributes: { VisibilityTimeout: '5', KmsMasterKeyId: 'alias/aws/sqs' } });
    const { Attributes } = await sqs.GetQueueAttributes({ QueueUrl: url, AttributeNames: ['All'] });
    expect(Attributes).toMatchObject({
      VisibilityTimeout: '5',
      KmsMasterKeyId: 'alias/aws/sqs',
      KmsDataKeyReusePeriodSeconds: '300',
      SqsManagedSseEnabled: 'false',
      LastModifiedTimestamp: String(Math.floor(clock.now() / 1000)),
    });
    expect(Number(Attributes.CreatedTimestamp)).toBeLessThan(Number(Attributes.LastModifiedTimestamp));
  });

  it('fails if SetQueueAttributes tries to change the queue type', async () => {
    const url = await queueUrl('q.fifo', { FifoQueue: 'true' });
    await expect(sqs.SetQueueAttributes({ QueueUrl: url, Attributes: { FifoQueue: 'false' } })).rejects.toMatchObject({
      code: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
    });
  });

  it('lists queues by prefix, a page at a time when MaxResults is given', async () => {
    for (const name of ['b-1', 'a-1', 'b-2', 'b-3']) await queueUrl(name);
    expect((await sqs.ListQueues({})).QueueUrls.map((u) => u.split('/').at(-1))).toEqual(['a-1', 'b-1', 'b-2', 'b-3']);
    const first = await sqs.ListQueues({ QueueNamePrefix: 'b-', MaxResults: 2 });
    expect(first.QueueUrls.map((u) => u.split('/').at(-1))).toEqual(['b-1', 'b-2']);
    const second = await sqs.ListQueues({ QueueNamePrefix: 'b-', MaxResults: 2, NextToken: first.NextToken });
    expect(second.QueueUrls.map((u) => u.split('/').at(-1))).toEqual(['b-3']);
    expect(second.NextToken).toBeUndefined();
  });

  it("takes a queue's bare name, or any URL whose last segment names it, as QueueUrl", async () => {
    await queueUrl('named');
    for (const QueueUrl of ['named', `${BASE_URL}/${ACCOUNT}/named`, `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/named/`]) {
      expect((await sqs.SendMessage({ QueueUrl, MessageBody: 'x' })).MD5OfMessageBody).toBe('9dd4e461268c8034f5c8564e155c67a6');
    }
    await expect(sqs.SendMessage({ QueueUrl: 'unnamed', MessageBody: 'x' })).rejects.toMatchObject({ code: 'QueueDoesNotExist' });
  });

  it('fails if the queue does not exist, with both error codes', async () => {
    const failure = await sqs.GetQueueUrl({ QueueName: 'nope' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SqsError);
    expect(failure).toMatchObject({
      code: 'QueueDoesNotExist',
      queryErrorCode: 'AWS.SimpleQueueService.NonExistentQueue',
      status: 400,
      message: 'The specified queue does not exist.',
    });
    expect(queryErrorHeader(failure as SqsError)).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect((failure as SqsError).jsonType).toBe('com.amazonaws.sqs#QueueDoesNotExist');
    await expect(sqs.SendMessage({ QueueUrl: `${BASE_URL}/${ACCOUNT}/nope`, MessageBody: 'x' })).rejects.toMatchObject({
      code: 'QueueDoesNotExist',
    });
  });

  it('deletes a queue with its messages and fails if the name is reused within 60 seconds', async () => {
    const url = await queueUrl('q');
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' });
    await sqs.DeleteQueue({ QueueUrl: url });
    await expect(sqs.GetQueueUrl({ QueueName: 'q' })).rejects.toMatchObject({ code: 'QueueDoesNotExist' });
    await expect(sqs.CreateQueue({ QueueName: 'q' })).rejects.toMatchObject({
      code: 'QueueDeletedRecently',
      queryErrorCode: 'AWS.SimpleQueueService.QueueDeletedRecently',
    });
    clock.advance(60_000);
    const again = await queueUrl('q');
    expect(await counts(sqs, again)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('purges a queue and fails if purged again within 60 seconds', async () => {
    const url = await queueUrl('q');
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' });
    await sqs.PurgeQueue({ QueueUrl: url });
    expect((await counts(sqs, url)).visible).toBe(0);
    await expect(sqs.PurgeQueue({ QueueUrl: url })).rejects.toMatchObject({
      code: 'PurgeQueueInProgress',
      queryErrorCode: 'AWS.SimpleQueueService.PurgeQueueInProgress',
      status: 403,
      message: 'Only one PurgeQueue operation on q is allowed every 60 seconds.',
    });
    clock.advance(60_000);
    await sqs.PurgeQueue({ QueueUrl: url });
  });

  it('tags and untags a queue', async () => {
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'q', tags: { team: 'a' } });
    await sqs.TagQueue({ QueueUrl, Tags: { env: 'dev' } });
    expect((await sqs.ListQueueTags({ QueueUrl })).Tags).toEqual({ team: 'a', env: 'dev' });
    await sqs.UntagQueue({ QueueUrl, TagKeys: ['team'] });
    expect((await sqs.ListQueueTags({ QueueUrl })).Tags).toEqual({ env: 'dev' });
  });

  it("forgets a deleted queue's tags: one created again under its name starts untagged", async () => {
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'q', tags: { team: 'a' } });
    await sqs.DeleteQueue({ QueueUrl });
    clock.advance(60_000);
    await sqs.CreateQueue({ QueueName: 'q' });
    expect((await sqs.ListQueueTags({ QueueUrl })).Tags).toEqual({});
  });

  it('fails if a queue would have more than 50 tags, keeping those it had', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'q', tags: fifty });
    await expect(sqs.TagQueue({ QueueUrl, Tags: { one: 'more' } })).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'Too many tags added for queue. A queue can have at most 50 tags.',
    });
    expect(Object.keys((await sqs.ListQueueTags({ QueueUrl })).Tags)).toHaveLength(50);
  });
});

/** The message attributes the MD5 tests send (MD5OfMessageAttributes 4c360f3fdafd970e05fae2f149d997f5). */
const GREETING = {
  Hello: { DataType: 'String', StringValue: 'There' },
  General: { DataType: 'String', StringValue: 'Kenobi' },
  'Help.Me': { DataType: 'String', StringValue: 'Me' },
};

describe('SqsService messages', () => {
  it('sends and receives a message with the MD5s AWS computes', async () => {
    const url = await queueUrl('q');
    const sent = await sqs.SendMessage({
      QueueUrl: url,
      MessageBody: 'msg',
      MessageAttributes: GREETING,
    });
    expect(sent).toEqual({
      MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      MD5OfMessageBody: '6e2baaf3b97dbeef01c0043275f9a0e7',
      MD5OfMessageAttributes: '4c360f3fdafd970e05fae2f149d997f5',
    });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: url, MessageAttributeNames: ['All'] });
    expect(Messages).toEqual([
      {
        MessageId: sent.MessageId,
        ReceiptHandle: expect.any(String),
        MD5OfBody: '6e2baaf3b97dbeef01c0043275f9a0e7',
        Body: 'msg',
        MD5OfMessageAttributes: '4c360f3fdafd970e05fae2f149d997f5',
        MessageAttributes: GREETING,
      },
    ]);
  });

  it('returns only the requested message attributes, with the MD5 of those', async () => {
    const url = await queueUrl('q', { VisibilityTimeout: '0' });
    await sqs.SendMessage({
      QueueUrl: url,
      MessageBody: 'msg',
      MessageAttributes: {
        General: { DataType: 'String', StringValue: 'Kenobi' },
        Hello: { DataType: 'String', StringValue: 'There' },
        'Help.Me': { DataType: 'String', StringValue: 'Me' },
      },
    });
    const receive = async (MessageAttributeNames?: string[]) =>
      (await sqs.ReceiveMessage({ QueueUrl: url, MessageAttributeNames })).Messages[0];
    expect(await receive()).not.toHaveProperty('MessageAttributes');
    expect(await receive(['Hel.*'])).toMatchObject({ MD5OfMessageAttributes: '83fee93c1bcd8b9a5a923ffacdc636c7' });
    expect(await receive(['Hello', 'Missing'])).toMatchObject({
      MD5OfMessageAttributes: 'a311262e065454b75da111d535b8dacd',
      MessageAttributes: { Hello: { DataType: 'String', StringValue: 'There' } },
    });
    const none = await receive(['Missing']);
    expect(none?.MessageAttributes).toBeUndefined();
    expect(none).not.toHaveProperty('MD5OfMessageAttributes');
  });

  it('round-trips binary attributes as base64 and accepts bytes in process', async () => {
    const url = await queueUrl('q');
    const sent = await sqs.SendMessage({
      QueueUrl: url,
      MessageBody: 'test',
      MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) } },
    });
    const message = (await sqs.ReceiveMessage({ QueueUrl: url, MessageAttributeNames: ['.*'] })).Messages[0];
    expect(message?.MessageAttributes).toEqual({ blob: { DataType: 'Binary', BinaryValue: 'AQID' } });
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
  });

  it('returns the requested system attributes', async () => {
    const url = await queueUrl('q');
    await sqs.SendMessage({
      QueueUrl: url,
      MessageBody: 'x',
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-abc' } },
    });
    const sentAt = clock.now();
    clock.advance(1_000);
    const all = await receiveOne(url, { VisibilityTimeout: 0 });
    expect(all?.Attributes).toEqual({
      SenderId: ACCOUNT,
      SentTimestamp: String(sentAt),
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: String(sentAt + 1_000),
      AWSTraceHeader: 'Root=1-abc',
    });
    const some = await sqs.ReceiveMessage({ QueueUrl: url, AttributeNames: ['ApproximateReceiveCount'] });
    expect(some.Messages[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
  });

  it('fails if a body is empty, has characters SQS does not allow, or is too large', async () => {
    const url = await queueUrl('q', { MaximumMessageSize: '1024' });
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: '' })).rejects.toMatchObject({
      code: 'MissingRequiredParameterException',
      queryErrorCode: 'MissingParameter',
      message: 'The request must contain the parameter MessageBody.',
    });
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'bell \u0007' })).rejects.toMatchObject({
      code: 'InvalidMessageContents',
    });
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'lone \ud800' })).rejects.toMatchObject({
      code: 'InvalidMessageContents',
    });
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    });
    // Attribute names, types and values count toward the size.
    const attributes = { k: { DataType: 'String', StringValue: 'v'.repeat(20) } };
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'x'.repeat(1000), MessageAttributes: attributes })).rejects.toThrow(
      /shorter than 1024/,
    );
    await sqs.SendMessage({ QueueUrl: url, MessageBody: '\t\r\n emoji 😀 and 中文' });
    const big = await queueUrl('big');
    await expect(sqs.SendMessage({ QueueUrl: big, MessageBody: 'x'.repeat(1_048_577) })).rejects.toThrow(/shorter than 1048576/);
    await sqs.SendMessage({ QueueUrl: big, MessageBody: 'x'.repeat(1_048_576) });
  });

  it('fails if message attributes break the rules', async () => {
    const url = await queueUrl('q');
    const send = (MessageAttributes: Record<string, { DataType: string; StringValue?: string }>) =>
      sqs.SendMessage({ QueueUrl: url, MessageBody: 'x', MessageAttributes });
    await expect(send({ e: { DataType: 'String', StringValue: '' } })).rejects.toThrow(
      "Message (user) attribute 'e' must contain a non-empty value of type 'String'.",
    );
    await expect(send({ n: { DataType: 'Number', StringValue: 'abc' } })).rejects.toThrow(/to a number/);
    await expect(send({ t: { DataType: 'Text', StringValue: 'a' } })).rejects.toThrow(/supported type prefixes/);
    await expect(send({ 'AWS.x': { DataType: 'String', StringValue: 'a' } })).rejects.toThrow(/is invalid/);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
    await expect(send(eleven)).rejects.toThrow('Number of message attributes [11] exceeds the allowed maximum [10].');
    await send({ n: { DataType: 'Number.int', StringValue: '-1.5e3' } });
  });

  it('hides a received message for its visibility timeout, then redelivers it with a new receipt handle', async () => {
    const url = await queueUrl('q', { VisibilityTimeout: '30' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'work' });
    const first = await receiveOne(url);
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(await counts(sqs, url)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    clock.advance(29_999);
    expect(await receiveOne(url)).toBeUndefined();
    clock.advance(1);
    const second = await receiveOne(url);
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    expect(second?.Attributes).toMatchObject({
      ApproximateReceiveCount: '2',
      ApproximateFirstReceiveTimestamp: first?.Attributes?.ApproximateFirstReceiveTimestamp,
    });
  });

  it.each([5, 120])('uses a VisibilityTimeout of %i s given to ReceiveMessage over the queue default of 30 s', async (seconds) => {
    const url = await queueUrl('q', { VisibilityTimeout: '30' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' });
    expect(await receiveOne(url, { VisibilityTimeout: seconds })).toBeDefined();
    clock.advance(seconds * 1000 - 1);
    expect(await receiveOne(url)).toBeUndefined();
    clock.advance(1);
    expect(await receiveOne(url)).toBeDefined();
  });

  it('changes the visibility of an in-flight message', async () => {
    const url = await queueUrl('q', { VisibilityTimeout: '30' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' });
    const message = await receiveOne(url);
    const ReceiptHandle = message?.ReceiptHandle ?? '';
    await sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle, VisibilityTimeout: 120 });
    clock.advance(60_000);
    expect(await receiveOne(url)).toBeUndefined();
    await sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle, VisibilityTimeout: 0 });
    expect((await receiveOne(url))?.MessageId).toBe(message?.MessageId);
  });

  it('fails if ChangeMessageVisibility uses a superseded handle or exceeds 12 hours since the receive', async () => {
    const url = await queueUrl('q', { VisibilityTimeout: '10' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' });
    const old = (await receiveOne(url))?.ReceiptHandle ?? '';
    clock.advance(10_000);
    const current = (await receiveOne(url))?.ReceiptHandle ?? '';
    await expect(sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle: old, VisibilityTimeout: 5 })).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: `Value ${old} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    });
    clock.advance(3_600_000);
    await expect(sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle: current, VisibilityTimeout: 43_200 })).rejects.toThrow(
      'Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
    );
    await sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle: current, VisibilityTimeout: 39_600 });
  });

  it('deletes a message with an outdated receipt handle on a standard queue, as AWS does', async () => {
    const url = await queueUrl('q', { VisibilityTimeout: '10' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' });
    const old = (await receiveOne(url))?.ReceiptHandle ?? '';
    clock.advance(10_000);
    await receiveOne(url);
    await sqs.DeleteMessage({ QueueUrl: url, ReceiptHandle: old });
    clock.advance(10_000);
    expect(await counts(sqs, url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // Deleting again is not an error.
    await sqs.DeleteMessage({ QueueUrl: url, ReceiptHandle: old });
  });

  it('fails if a receipt handle is malformed or belongs to another queue', async () => {
    const url = await queueUrl('q');
    const other = await queueUrl('other');
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x' });
    const handle = (await receiveOne(url))?.ReceiptHandle ?? '';
    await expect(sqs.DeleteMessage({ QueueUrl: url, ReceiptHandle: 'garbage' })).rejects.toMatchObject({
      code: 'ReceiptHandleIsInvalid',
      status: 404,
      message: 'The input receipt handle "garbage" is not a valid receipt handle.',
    });
    await expect(sqs.DeleteMessage({ QueueUrl: other, ReceiptHandle: handle })).rejects.toMatchObject({
      code: 'ReceiptHandleIsInvalid',
    });
  });

  it('delays messages by the queue delay or their own DelaySeconds', async () => {
    const url = await queueUrl('q', { DelaySeconds: '10' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'queue delay' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'own delay', DelaySeconds: 2 });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'no delay', DelaySeconds: 0 });
    expect(await counts(sqs, url)).toEqual({ visible: 1, inFlight: 0, delayed: 2 });
    expect((await receiveOne(url))?.Body).toBe('no delay');
    clock.advance(2_000);
    expect((await receiveOne(url))?.Body).toBe('own delay');
    expect(await receiveOne(url)).toBeUndefined();
    clock.advance(8_000);
    expect((await receiveOne(url))?.Body).toBe('queue delay');
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'x', DelaySeconds: 901 })).rejects.toThrow(
      'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
    );
  });

  it('drops messages older than the retention period', async () => {
    const url = await queueUrl('q', { MessageRetentionPeriod: '60' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'old' });
    clock.advance(30_000);
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'new' });
    clock.advance(30_000);
    expect(await counts(sqs, url)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(Messages.map((m) => m.Body)).toEqual(['new']);
  });

  it('delivers up to MaxNumberOfMessages, oldest first', async () => {
    const url = await queueUrl('q');
    for (let i = 0; i < 15; i++) {
      await sqs.SendMessage({ QueueUrl: url, MessageBody: `m${i}` });
      clock.advance(1);
    }
    const first = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(first.Messages.map((m) => m.Body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    const rest = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(rest.Messages).toHaveLength(5);
    expect(await sqs.ReceiveMessage({ QueueUrl: url })).toEqual({ Messages: [] });
  });

  it('fails if ReceiveMessage parameters are out of range', async () => {
    const url = await queueUrl('q');
    await expect(sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 11 })).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
    });
    await expect(sqs.ReceiveMessage({ QueueUrl: url, WaitTimeSeconds: 21 })).rejects.toThrow(/WaitTimeSeconds/);
    await expect(sqs.ReceiveMessage({ QueueUrl: url, VisibilityTimeout: -1 })).rejects.toThrow(/VisibilityTimeout/);
  });
});

describe('SqsService batches', () => {
  it('sends a batch, reporting entries that fail validation in Failed', async () => {
    const url = await queueUrl('q');
    const result = await sqs.SendMessageBatch({
      QueueUrl: url,
      Entries: [
        { Id: 'ok-1', MessageBody: 'a' },
        { Id: 'bad', MessageBody: 'bell \u0007' },
        { Id: 'ok-2', MessageBody: 'b', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
        { Id: 'delay', MessageBody: 'c', DelaySeconds: 1000 },
      ],
    });
    expect(result.Successful.map((s) => s.Id)).toEqual(['ok-1', 'ok-2']);
    expect(result.Successful[0]).toMatchObject({ MD5OfMessageBody: '0cc175b9c0f1b6a831c399e269772661' });
    expect(result.Successful[1]?.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(result.Failed).toEqual([
      { Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.stringMatching(/Invalid characters/) },
      { Id: 'delay', SenderFault: true, Code: 'InvalidParameterValue', Message: expect.stringMatching(/DelaySeconds/) },
    ]);
    expect((await counts(sqs, url)).visible).toBe(2);
  });

  it('fails the whole batch if it is empty, too big, has bad or repeated ids, or is too long', async () => {
    const url = await queueUrl('q');
    const send = (Entries: { Id: string; MessageBody: string }[]) => sqs.SendMessageBatch({ QueueUrl: url, Entries });
    await expect(send([])).rejects.toMatchObject({ code: 'EmptyBatchRequest', queryErrorCode: 'AWS.SimpleQueueService.EmptyBatchRequest' });
    await expect(send(Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })))).rejects.toMatchObject({
      code: 'TooManyEntriesInBatchRequest',
      message: 'Maximum number of entries per request are 10. You have sent 11.',
    });
    await expect(send([{ Id: 'a:b', MessageBody: 'x' }])).rejects.toMatchObject({ code: 'InvalidBatchEntryId' });
    await expect(
      send([
        { Id: 'a', MessageBody: 'x' },
        { Id: 'a', MessageBody: 'y' },
      ]),
    ).rejects.toMatchObject({ code: 'BatchEntryIdsNotDistinct', message: 'Id a repeated.' });
    const half = 'x'.repeat(524_288);
    await expect(
      send([
        { Id: 'a', MessageBody: half },
        { Id: 'b', MessageBody: `${half}y` },
      ]),
    ).rejects.toMatchObject({
      code: 'BatchRequestTooLong',
      message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.',
    });
    expect((await counts(sqs, url)).visible).toBe(0);
  });

  it('deletes and changes visibility in batches, reporting bad handles per entry', async () => {
    const url = await queueUrl('q');
    await sqs.SendMessageBatch({ QueueUrl: url, Entries: [0, 1, 2].map((i) => ({ Id: `m${i}`, MessageBody: `m${i}` })) });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 3 });
    const [a, b, c] = Messages.map((m) => m.ReceiptHandle);
    const changed = await sqs.ChangeMessageVisibilityBatch({
      QueueUrl: url,
      Entries: [
        { Id: 'a', ReceiptHandle: a ?? '', VisibilityTimeout: 0 },
        { Id: 'bad', ReceiptHandle: 'nope', VisibilityTimeout: 0 },
      ],
    });
    expect(changed.Successful).toEqual([{ Id: 'a' }]);
    expect(changed.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: expect.any(String) }]);
    const deleted = await sqs.DeleteMessageBatch({
      QueueUrl: url,
      Entries: [
        { Id: 'b', ReceiptHandle: b ?? '' },
        { Id: 'c', ReceiptHandle: c ?? '' },
        { Id: 'bad', ReceiptHandle: 'nope' },
      ],
    });
    expect(deleted.Successful).toEqual([{ Id: 'b' }, { Id: 'c' }]);
    expect(deleted.Failed.map((f) => f.Id)).toEqual(['bad']);
    expect(await counts(sqs, url)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });
});

describe('SqsService dead-letter queues', () => {
  const withDlq = async (maxReceiveCount = 2) => {
    const dlq = await queueUrl('dlq');
    const source = await queueUrl('source', {
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('dlq'), maxReceiveCount: String(maxReceiveCount) }),
    });
    return { dlq, source };
  };

  it('moves a message to the dead-letter queue on the receive that would exceed maxReceiveCount', async () => {
    const { dlq, source } = await withDlq(2);
    const { MessageId } = await sqs.SendMessage({ QueueUrl: source, MessageBody: 'poison' });
    expect((await receiveOne(source))?.Attributes?.ApproximateReceiveCount).toBe('1');
    clock.advance(10_000);
    expect((await receiveOne(source))?.Attributes?.ApproximateReceiveCount).toBe('2');
    clock.advance(10_000);
    expect(await receiveOne(source)).toBeUndefined();
    expect(await counts(sqs, source)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const dead = await receiveOne(dlq);
    expect(dead).toMatchObject({ MessageId, Body: 'poison' });
    expect(dead?.Attributes).toMatchObject({ DeadLetterQueueSourceArn: arnOf('source'), ApproximateReceiveCount: '3' });
  });

  it('keeps the original enqueue time of a message moved to a standard dead-letter queue, so its retention is not restarted', async () => {
    const { dlq, source } = await withDlq(1);
    await sqs.SetQueueAttributes({ QueueUrl: dlq, Attributes: { MessageRetentionPeriod: '120' } });
    const { MessageId } = await sqs.SendMessage({ QueueUrl: source, MessageBody: 'poison' });
    const sent = (await receiveOne(source))?.Attributes?.SentTimestamp;
    clock.advance(100_000);
    expect(await receiveOne(source)).toBeUndefined();
    const dead = await receiveOne(dlq, { VisibilityTimeout: 0 });
    expect(dead).toMatchObject({ MessageId, Attributes: { SentTimestamp: sent } });
    // 121 s after the send and 21 s after the move: past the dead-letter queue's 120 s retention.
    clock.advance(21_000);
    expect(await receiveOne(dlq)).toBeUndefined();
  });

  it('normalizes the redrive policy and lists the source queues of a dead-letter queue', async () => {
    const { dlq, source } = await withDlq(3);
    const { Attributes } = await sqs.GetQueueAttributes({ QueueUrl: source, AttributeNames: ['RedrivePolicy'] });
    expect(Attributes.RedrivePolicy).toBe(`{"deadLetterTargetArn":"${arnOf('dlq')}","maxReceiveCount":3}`);
    expect(await sqs.ListDeadLetterSourceQueues({ QueueUrl: dlq })).toEqual({ queueUrls: [source] });
    await sqs.SetQueueAttributes({ QueueUrl: source, Attributes: { RedrivePolicy: '' } });
    expect(await sqs.ListDeadLetterSourceQueues({ QueueUrl: dlq })).toEqual({ queueUrls: [] });
  });

  it('fails if the redrive policy is malformed or names a missing or disallowing queue', async () => {
    const policy = (arn: string, count: unknown = 5) => JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
    await expect(sqs.CreateQueue({ QueueName: 's', Attributes: { RedrivePolicy: policy('dummy') } })).rejects.toThrow(
      /Reason: Invalid value for deadLetterTargetArn\./,
    );
    await expect(sqs.CreateQueue({ QueueName: 's', Attributes: { RedrivePolicy: policy(arnOf('missing')) } })).rejects.toThrow(
      /Dead letter target does not exist/,
    );
    await queueUrl('closed', { RedriveAllowPolicy: '{"redrivePermission":"denyAll"}' });
    await expect(sqs.CreateQueue({ QueueName: 's', Attributes: { RedrivePolicy: policy(arnOf('closed')) } })).rejects.toThrow(
      /does not allow/,
    );
    await queueUrl('dlq');
    await expect(sqs.CreateQueue({ QueueName: 's', Attributes: { RedrivePolicy: policy(arnOf('dlq'), 0) } })).rejects.toThrow(
      /maxReceiveCount/,
    );
  });

  it('moves dead letters back to their source queue with StartMessageMoveTask', async () => {
    const { dlq, source } = await withDlq(1);
    for (const body of ['a', 'b', 'c']) await sqs.SendMessage({ QueueUrl: source, MessageBody: body });
    await sqs.ReceiveMessage({ QueueUrl: source, MaxNumberOfMessages: 10 });
    clock.advance(10_000);
    await sqs.ReceiveMessage({ QueueUrl: source, MaxNumberOfMessages: 10 });
    expect((await counts(sqs, dlq)).visible).toBe(3);

    const { TaskHandle } = await sqs.StartMessageMoveTask({ SourceArn: arnOf('dlq') });
    expect(TaskHandle).toEqual(expect.any(String));
    await vi.waitFor(async () => {
      const { Results } = await sqs.ListMessageMoveTasks({ SourceArn: arnOf('dlq') });
      expect(Results).toEqual([
        {
          Status: 'COMPLETED',
          SourceArn: arnOf('dlq'),
          ApproximateNumberOfMessagesMoved: 3,
          ApproximateNumberOfMessagesToMove: 3,
          StartedTimestamp: clock.now(),
        },
      ]);
    });
    expect(await counts(sqs, dlq)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: source, MaxNumberOfMessages: 10, AttributeNames: ['All'] });
    expect(Messages.map((m) => m.Body).sort()).toEqual(['a', 'b', 'c']);
    expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1', '1']);
  });

  it('moves dead letters to a DestinationArn', async () => {
    const { dlq } = await withDlq(1);
    const elsewhere = await queueUrl('elsewhere');
    await sqs.SendMessage({ QueueUrl: dlq, MessageBody: 'parked' });
    await sqs.StartMessageMoveTask({ SourceArn: arnOf('dlq'), DestinationArn: arnOf('elsewhere') });
    await vi.waitFor(async () => expect((await counts(sqs, elsewhere)).visible).toBe(1));
    const { Results } = await sqs.ListMessageMoveTasks({ SourceArn: arnOf('dlq'), MaxResults: 10 });
    expect(Results[0]).toMatchObject({ Status: 'COMPLETED', DestinationArn: arnOf('elsewhere') });
  });

  it('fails a move task without DestinationArn at a message sent straight to the dead-letter queue, as AWS does', async () => {
    const { dlq, source } = await withDlq(1);
    await sqs.SendMessage({ QueueUrl: source, MessageBody: 'redriven by SQS' });
    await sqs.ReceiveMessage({ QueueUrl: source });
    clock.advance(10_000);
    await sqs.ReceiveMessage({ QueueUrl: source });
    clock.advance(1);
    await sqs.SendMessage({ QueueUrl: dlq, MessageBody: 'sent by a consumer' });
    await sqs.StartMessageMoveTask({ SourceArn: arnOf('dlq') });
    await vi.waitFor(async () => {
      const [task] = (await sqs.ListMessageMoveTasks({ SourceArn: arnOf('dlq') })).Results;
      expect(task).toMatchObject({
        Status: 'FAILED',
        FailureReason: 'CouldNotDetermineMessageSource',
        ApproximateNumberOfMessagesMoved: 1,
      });
    });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: dlq, MaxNumberOfMessages: 10 });
    expect(Messages.map((m) => m.Body)).toEqual(['sent by a consumer']);
  });

  it('cancels a running move task', async () => {
    const { dlq } = await withDlq(1);
    await sqs.SendMessageBatch({ QueueUrl: dlq, Entries: [1, 2, 3, 4, 5].map((i) => ({ Id: `m${i}`, MessageBody: `${i}` })) });
    await queueUrl('elsewhere');
    const { TaskHandle } = await sqs.StartMessageMoveTask({
      SourceArn: arnOf('dlq'),
      DestinationArn: arnOf('elsewhere'),
      MaxNumberOfMessagesPerSecond: 1,
    });
    await vi.waitFor(async () => {
      const [task] = (await sqs.ListMessageMoveTasks({ SourceArn: arnOf('dlq') })).Results;
      expect(task).toMatchObject({ Status: 'RUNNING', TaskHandle, MaxNumberOfMessagesPerSecond: 1, ApproximateNumberOfMessagesMoved: 1 });
    });
    await expect(sqs.StartMessageMoveTask({ SourceArn: arnOf('dlq') })).rejects.toThrow(
      'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
    );
    expect(await sqs.CancelMessageMoveTask({ TaskHandle })).toEqual({ ApproximateNumberOfMessagesMoved: 1 });
    const [task] = (await sqs.ListMessageMoveTasks({ SourceArn: arnOf('dlq') })).Results;
    expect(task).toMatchObject({ Status: 'CANCELLED', ApproximateNumberOfMessagesToMove: 5 });
    expect(task).not.toHaveProperty('TaskHandle');
    expect((await counts(sqs, dlq)).visible).toBe(4);
  });

  it('fails if a move task names a queue that is missing or not a dead-letter queue', async () => {
    await withDlq();
    await expect(sqs.StartMessageMoveTask({ SourceArn: arnOf('source') })).rejects.toMatchObject({
      code: 'InvalidParameterValueException',
      message: 'Source queue must be configured as a Dead Letter Queue.',
    });
    await expect(sqs.StartMessageMoveTask({ SourceArn: arnOf('missing') })).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      status: 404,
    });
    await expect(sqs.StartMessageMoveTask({ SourceArn: arnOf('dlq'), DestinationArn: arnOf('missing') })).rejects.toThrow(
      "The resource that you specified for the DestinationArn parameter doesn't exist.",
    );
    await expect(sqs.CancelMessageMoveTask({ TaskHandle: 'bogus' })).rejects.toThrow('Value for parameter TaskHandle is invalid.');
  });
});

describe('SqsService FIFO queues', () => {
  const fifoUrl = (name = 'q.fifo', attributes: Record<string, string> = {}) =>
    queueUrl(name, { FifoQueue: 'true', VisibilityTimeout: '30', ...attributes });

  // Recorded on AWS (test_fifo_group_visibility_extends_with_change_message_visibility, test/conformance/aws-recorded/sqs).
  it('delivers the visible messages of a group up to its first one in flight, and nothing after it', async () => {
    const url = await fifoUrl();
    for (const n of [1, 2, 3])
      await sqs.SendMessage({ QueueUrl: url, MessageBody: `m${n}`, MessageGroupId: 'g', MessageDeduplicationId: `d${n}` });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 2 });
    expect(Messages.map((m) => m.Body)).toEqual(['m1', 'm2']);
    // A later message made visible again waits for the earlier one in flight.
    await sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle: Messages[1]?.ReceiptHandle ?? '', VisibilityTimeout: 0 });
    expect((await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 })).Messages).toEqual([]);
    // The earlier one made visible again goes out, and the group stops there.
    await sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle: Messages[0]?.ReceiptHandle ?? '', VisibilityTimeout: 0 });
    const again = (await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 })).Messages;
    expect(again.map((m) => m.Body)).toEqual(['m1', 'm2', 'm3']);
  });

  it('delivers an earlier message made visible again while a later one of its group is still in flight', async () => {
    const url = await fifoUrl();
    for (const n of [1, 2, 3])
      await sqs.SendMessage({ QueueUrl: url, MessageBody: `m${n}`, MessageGroupId: 'g', MessageDeduplicationId: `d${n}` });
    const { Messages } = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 2 });
    await sqs.ChangeMessageVisibility({ QueueUrl: url, ReceiptHandle: Messages[0]?.ReceiptHandle ?? '', VisibilityTimeout: 0 });
    expect((await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 })).Messages.map((m) => m.Body)).toEqual(['m1']);
    await sqs.DeleteMessage({ QueueUrl: url, ReceiptHandle: Messages[1]?.ReceiptHandle ?? '' });
    expect((await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 })).Messages).toEqual([]);
  });

  it('fails if MessageGroupId or a deduplication id is missing, or a message asks for its own delay', async () => {
    const url = await fifoUrl();
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' })).rejects.toMatchObject({
      code: 'MissingRequiredParameterException',
      message: 'The request must contain the parameter MessageGroupId.',
    });
    await expect(sqs.SendMessage({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })).rejects.toThrow(
      'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    );
    await expect(
      sqs.SendMessage({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd', DelaySeconds: 2 }),
    ).rejects.toThrow(
      'Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
    );
    await expect(
      sqs.SendMessageBatch({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x', MessageDeduplicationId: 'd' }] }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValueException', message: 'The request must contain the parameter MessageGroupId.' });
    const standard = await queueUrl('std');
    await expect(sqs.SendMessage({ QueueUrl: standard, MessageBody: 'x', MessageDeduplicationId: 'd' })).rejects.toThrow(
      /not valid for this queue type/,
    );
  });

  it('accepts but does not enqueue a duplicate within five minutes', async () => {
    const url = await fifoUrl();
    const send = () => sqs.SendMessage({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'same' });
    const first = await send();
    clock.advance(299_999);
    const duplicate = await send();
    expect(duplicate).toEqual(first);
    expect((await counts(sqs, url)).visible).toBe(1);
    clock.advance(1);
    const later = await send();
    expect(later.MessageId).not.toBe(first.MessageId);
    expect(BigInt(later.SequenceNumber ?? 0)).toBeGreaterThan(BigInt(first.SequenceNumber ?? 0));
    expect((await counts(sqs, url)).visible).toBe(2);
  });

  it('deduplicates by the SHA-256 of the body when ContentBasedDeduplication is on', async () => {
    const url = await fifoUrl('cbd.fifo', { ContentBasedDeduplication: 'true' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'a' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'b' });
    await sqs.SendMessage({ QueueUrl: url, MessageBody: 'other', MessageGroupId: 'a' });
    expect((await counts(sqs, url)).visible).toBe(2);
  });

  it('deduplicates per group when DeduplicationScope is messageGroup', async () => {
    const url = await fifoUrl('scoped.fifo', { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
    for (const group of ['a', 'b', 'a']) {
      await sqs.SendMessage({ QueueUrl: url, MessageBody: 'x', MessageGroupId: group, MessageDeduplicationId: 'd' });
    }
    expect((await counts(sqs, url)).visible).toBe(2);
  });

  it('delivers a group in order and holds it back while any of its messages is in flight', async () => {
    const url = await fifoUrl();
    for (let i = 1; i <= 4; i++) {
      await sqs.SendMessage({ QueueUrl: url, MessageBody: `a${i}`, MessageGroupId: 'a', MessageDeduplicationId: `a${i}` });
    }
    const first = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 2, AttributeNames: ['All'] });
    expect(first.Messages.map((m) => m.Body)).toEqual(['a1', 'a2']);
    expect(first.Messages[0]?.Attributes).toMatchObject({ MessageGroupId: 'a', MessageDeduplicationId: 'a1' });
    expect(await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 })).toEqual({ Messages: [] });
    await sqs.DeleteMessage({ QueueUrl: url, ReceiptHandle: first.Messages[0]?.ReceiptHandle ?? '' });
    // a2 is still in flight, so a3 must wait.
    expect(await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 })).toEqual({ Messages: [] });
    await sqs.DeleteMessage({ QueueUrl: url, ReceiptHandle: first.Messages[1]?.ReceiptHandle ?? '' });
    const rest = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(rest.Messages.map((m) => m.Body)).toEqual(['a3', 'a4']);
  });

  it('serves other groups while one is held, filling a batch from one group first', async () => {
    const url = await fifoUrl();
    const send = (group: string, body: string) =>
      sqs.SendMessage({ QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: body });
    await send('a', 'a1');
    await send('b', 'b1');
    await send('a', 'a2');
    await send('b', 'b2');
    const held = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 1 });
    expect(held.Messages.map((m) => m.Body)).toEqual(['a1']);
    const next = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(next.Messages.map((m) => m.Body)).toEqual(['b1', 'b2']);
  });

  it('redelivers the head of a group after its visibility timeout, before the rest of the group', async () => {
    const url = await fifoUrl();
    for (const body of ['a1', 'a2']) {
      await sqs.SendMessage({ QueueUrl: url, MessageBody: body, MessageGroupId: 'a', MessageDeduplicationId: body });
    }
    const first = await sqs.ReceiveMessage({ QueueUrl: url });
    clock.advance(30_000);
    const again = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10, AttributeNames: ['ApproximateReceiveCount'] });
    expect(again.Messages.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([
      ['a1', '2'],
      ['a2', '1'],
    ]);
    await expect(sqs.DeleteMessage({ QueueUrl: url, ReceiptHandle: first.Messages[0]?.ReceiptHandle ?? '' })).rejects.toThrow(
      /Reason: The receipt handle has expired\./,
    );
  });

  it('redrives the head of a group to a FIFO dead-letter queue and moves on to the next message', async () => {
    await fifoUrl('dlq.fifo');
    const url = await fifoUrl('src.fifo', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('dlq.fifo'), maxReceiveCount: 1 }),
    });
    for (const body of ['a1', 'a2']) {
      await sqs.SendMessage({ QueueUrl: url, MessageBody: body, MessageGroupId: 'a', MessageDeduplicationId: body });
    }
    await sqs.ReceiveMessage({ QueueUrl: url });
    clock.advance(30_000);
    const next = await sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10 });
    expect(next.Messages.map((m) => m.Body)).toEqual(['a2']);
    expect((await counts(sqs, `${BASE_URL}/${ACCOUNT}/dlq.fifo`)).visible).toBe(1);
    await expect(
      sqs.CreateQueue({
        QueueName: 'std-src',
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arnOf('dlq.fifo'), maxReceiveCount: 1 }) },
      }),
    ).rejects.toThrow(/same type/);
  });
});

import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { RawRequest } from '../../../local/endpoint/protocols.js';
import { Endpoint } from '../../../local/endpoint/server.js';
import { SqsQueryProtocol, sqsQueryError } from '../../../local/sqs/query-protocol.js';
import { SqsService } from '../../../local/sqs/sqs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { systemClock } from '../../../local/time/clock.js';
import { AWS_CLI_SKIP_REASON, awsCli, awsCliMissing } from '../aws-cli.js';
import { ACCOUNT, BASE_URL, counts, createSqs } from './helpers.js';

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

const form = (fields: Record<string, string>) => new URLSearchParams({ Version: '2012-11-05', ...fields });

const post = (path = '/'): RawRequest => ({
  method: 'POST',
  path,
  query: new URLSearchParams(),
  headers: { host: '127.0.0.1:4566' },
  body: Buffer.alloc(0),
});

/** The codec's decoding and encoding alone: no operation runs, so it needs no queue service. */
const codec = new SqsQueryProtocol({} as SqsService);
/** A form's input, the request posted to `queueUrlFromPath` when given. */
const decodeSqsQuery = (action: string, fields: URLSearchParams, queueUrlFromPath?: string) =>
  codec.decode(action, fields, queueUrlFromPath === undefined ? undefined : post(new URL(queueUrlFromPath, BASE_URL).pathname));
const encodeSqsQueryResult = (action: string, output: unknown, requestId: string) => codec.encode(action, output, requestId);

/** The response with its random RequestId replaced, so whole documents can be compared. */
const withoutRequestId = (body: unknown) => String(body).replace(/<RequestId>[^<]+<\/RequestId>/, '<RequestId>ID</RequestId>');

describe('SqsQueryProtocol decoding', () => {
  it('decodes a SendMessage form into the JSON input, numbers as numbers and attributes as maps', () => {
    const input = decodeSqsQuery(
      'SendMessage',
      form({
        Action: 'SendMessage',
        QueueUrl: `${BASE_URL}/${ACCOUNT}/orders`,
        MessageBody: 'hello',
        DelaySeconds: '5',
        'MessageAttribute.1.Name': 'colour',
        'MessageAttribute.1.Value.DataType': 'String',
        'MessageAttribute.1.Value.StringValue': 'blue',
        'MessageAttribute.2.Name': 'blob',
        'MessageAttribute.2.Value.DataType': 'Binary',
        'MessageAttribute.2.Value.BinaryValue': 'aGk=',
        'MessageAttribute.3.Name': 'sizes',
        'MessageAttribute.3.Value.DataType': 'String',
        'MessageAttribute.3.Value.StringListValue.1': 'S',
        'MessageAttribute.3.Value.StringListValue.2': 'M',
        'MessageSystemAttribute.1.Name': 'AWSTraceHeader',
        'MessageSystemAttribute.1.Value.DataType': 'String',
        'MessageSystemAttribute.1.Value.StringValue': 'Root=1-abc',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
      }),
    );
    expect(input).toStrictEqual({
      QueueUrl: `${BASE_URL}/${ACCOUNT}/orders`,
      MessageBody: 'hello',
      DelaySeconds: 5,
      MessageAttributes: {
        colour: { DataType: 'String', StringValue: 'blue' },
        blob: { DataType: 'Binary', BinaryValue: 'aGk=' },
        sizes: { DataType: 'String', StringListValues: ['S', 'M'] },
      },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-abc' } },
      MessageDeduplicationId: 'd',
      MessageGroupId: 'g',
    });
  });

  it('decodes batch entries in index order, whatever order the form lists them in', () => {
    const send = decodeSqsQuery(
      'SendMessageBatch',
      form({
        QueueUrl: 'q',
        'SendMessageBatchRequestEntry.2.Id': 'b',
        'SendMessageBatchRequestEntry.2.MessageBody': 'second',
        'SendMessageBatchRequestEntry.10.Id': 'c',
        'SendMessageBatchRequestEntry.10.MessageBody': 'tenth',
        'SendMessageBatchRequestEntry.1.Id': 'a',
        'SendMessageBatchRequestEntry.1.MessageBody': 'first',
        'SendMessageBatchRequestEntry.1.DelaySeconds': '3',
        'SendMessageBatchRequestEntry.1.MessageAttribute.1.Name': 'n',
        'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType': 'Number',
        'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue': '7',
      }),
    );
    expect(send).toStrictEqual({
      QueueUrl: 'q',
      Entries: [
        { Id: 'a', MessageBody: 'first', DelaySeconds: 3, MessageAttributes: { n: { DataType: 'Number', StringValue: '7' } } },
        { Id: 'b', MessageBody: 'second' },
        { Id: 'c', MessageBody: 'tenth' },
      ],
    });
    const remove = decodeSqsQuery(
      'DeleteMessageBatch',
      form({ QueueUrl: 'q', 'DeleteMessageBatchRequestEntry.1.Id': 'a', 'DeleteMessageBatchRequestEntry.1.ReceiptHandle': 'rh' }),
    );
    expect(remove).toStrictEqual({ QueueUrl: 'q', Entries: [{ Id: 'a', ReceiptHandle: 'rh' }] });
    const change = decodeSqsQuery(
      'ChangeMessageVisibilityBatch',
      form({
        QueueUrl: 'q',
        'ChangeMessageVisibilityBatchRequestEntry.1.Id': 'a',
        'ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle': 'rh',
        'ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout': '60',
      }),
    );
    expect(change).toStrictEqual({ QueueUrl: 'q', Entries: [{ Id: 'a', ReceiptHandle: 'rh', VisibilityTimeout: 60 }] });
  });

  it('decodes queue attributes, tags, tag keys and attribute name lists', () => {
    expect(
      decodeSqsQuery(
        'CreateQueue',
        form({
          QueueName: 'orders',
          'Attribute.1.Name': 'VisibilityTimeout',
          'Attribute.1.Value': '45',
          'Attribute.2.Name': 'Policy',
          'Attribute.2.Value': '',
          'Tag.1.Key': 'team',
          'Tag.1.Value': 'core',
        }),
      ),
    ).toStrictEqual({ QueueName: 'orders', Attributes: { VisibilityTimeout: '45', Policy: '' }, tags: { team: 'core' } });
    expect(decodeSqsQuery('TagQueue', form({ QueueUrl: 'q', 'Tag.1.Key': 'a', 'Tag.1.Value': '1' }))).toStrictEqual({
      QueueUrl: 'q',
      Tags: { a: '1' },
    });
    expect(decodeSqsQuery('UntagQueue', form({ QueueUrl: 'q', 'TagKey.1': 'a', 'TagKey.2': 'b' }))).toStrictEqual({
      QueueUrl: 'q',
      TagKeys: ['a', 'b'],
    });
    expect(decodeSqsQuery('GetQueueAttributes', form({ QueueUrl: 'q', 'AttributeName.1': 'All' }))).toStrictEqual({
      QueueUrl: 'q',
      AttributeNames: ['All'],
    });
    expect(
      decodeSqsQuery(
        'ReceiveMessage',
        form({
          QueueUrl: 'q',
          'AttributeName.1': 'SenderId',
          'MessageSystemAttributeName.1': 'SentTimestamp',
          'MessageAttributeName.1': 'colour',
          'MessageAttributeName.2': 'size.*',
          MaxNumberOfMessages: '10',
          WaitTimeSeconds: '0',
        }),
      ),
    ).toStrictEqual({
      QueueUrl: 'q',
      AttributeNames: ['SenderId'],
      MessageSystemAttributeNames: ['SentTimestamp'],
      MessageAttributeNames: ['colour', 'size.*'],
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
    });
  });

  it('takes the queue URL from the request path when the form has none', () => {
    expect(decodeSqsQuery('PurgeQueue', form({}), `http://127.0.0.1:4566/${ACCOUNT}/orders`)).toStrictEqual({
      QueueUrl: `http://127.0.0.1:4566/${ACCOUNT}/orders`,
    });
    expect(decodeSqsQuery('PurgeQueue', form({ QueueUrl: 'from-form' }), 'from-path')).toStrictEqual({ QueueUrl: 'from-form' });
  });

  it('fails if the action is not an SQS action, with InvalidAction', () => {
    expect(() => decodeSqsQuery('Publish', form({}))).toThrow(
      expect.objectContaining({ code: 'InvalidAction', status: 400, message: 'The action Publish is not valid for this endpoint.' }),
    );
  });
});

describe('SqsQueryProtocol encoding', () => {
  it('renders a result in the SQS XML shape, escaping text', () => {
    const xml = encodeSqsQueryResult(
      'ReceiveMessage',
      {
        Messages: [
          {
            MessageId: 'm-1',
            ReceiptHandle: 'rh+/=',
            MD5OfBody: 'b0dy',
            Body: `1 < 2 & "q" 'a'\r\n`,
            Attributes: { SenderId: ACCOUNT },
            MD5OfMessageAttributes: 'att5',
            MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: 'aGk=' }, n: { DataType: 'Number', StringValue: '1' } },
          },
        ],
      },
      'req-1',
    );
    expect(xml).toBe(
      `<?xml version="1.0"?><ReceiveMessageResponse xmlns="${XMLNS}"><ReceiveMessageResult><Message>` +
        '<MessageId>m-1</MessageId><ReceiptHandle>rh+/=</ReceiptHandle><MD5OfBody>b0dy</MD5OfBody>' +
        '<Body>1 &lt; 2 &amp; &quot;q&quot; &apos;a&apos;&#xD;\n</Body>' +
        `<Attribute><Name>SenderId</Name><Value>${ACCOUNT}</Value></Attribute>` +
        '<MD5OfMessageAttributes>att5</MD5OfMessageAttributes>' +
        '<MessageAttribute><Name>blob</Name><Value><BinaryValue>aGk=</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>' +
        '<MessageAttribute><Name>n</Name><Value><StringValue>1</StringValue><DataType>Number</DataType></Value></MessageAttribute>' +
        '</Message></ReceiveMessageResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ReceiveMessageResponse>',
    );
  });

  it('renders an empty result as an empty element and an operation without one as metadata only', () => {
    expect(encodeSqsQueryResult('ReceiveMessage', { Messages: [] }, 'r')).toBe(
      `<?xml version="1.0"?><ReceiveMessageResponse xmlns="${XMLNS}"><ReceiveMessageResult/>` +
        '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ReceiveMessageResponse>',
    );
    expect(encodeSqsQueryResult('DeleteQueue', {}, 'r')).toBe(
      `<?xml version="1.0"?><DeleteQueueResponse xmlns="${XMLNS}"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteQueueResponse>`,
    );
  });

  it('renders batch results as flattened success and failure entries', () => {
    const xml = encodeSqsQueryResult(
      'SendMessageBatch',
      {
        Successful: [{ Id: 'a', MessageId: 'm', MD5OfMessageBody: 'x', SequenceNumber: '10000000000000000001' }],
        Failed: [{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: 'no' }],
      },
      'r',
    );
    expect(xml).toContain(
      '<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId><MD5OfMessageBody>x</MD5OfMessageBody>' +
        '<SequenceNumber>10000000000000000001</SequenceNumber></SendMessageBatchResultEntry>' +
        '<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code><Message>no</Message>' +
        '</BatchResultErrorEntry></SendMessageBatchResult>',
    );
    expect(encodeSqsQueryResult('DeleteMessageBatch', { Successful: [{ Id: 'a' }], Failed: [] }, 'r')).toContain(
      '<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry></DeleteMessageBatchResult>',
    );
  });

  it('renders queue URL lists, attribute maps and tag maps as flattened elements', () => {
    expect(encodeSqsQueryResult('ListQueues', { QueueUrls: ['u1', 'u2'], NextToken: 't' }, 'r')).toContain(
      '<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl><NextToken>t</NextToken></ListQueuesResult>',
    );
    expect(encodeSqsQueryResult('ListDeadLetterSourceQueues', { queueUrls: ['u1'] }, 'r')).toContain(
      '<ListDeadLetterSourceQueuesResult><QueueUrl>u1</QueueUrl></ListDeadLetterSourceQueuesResult>',
    );
    expect(encodeSqsQueryResult('GetQueueAttributes', { Attributes: { DelaySeconds: '0' } }, 'r')).toContain(
      '<GetQueueAttributesResult><Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute></GetQueueAttributesResult>',
    );
    expect(encodeSqsQueryResult('ListQueueTags', { Tags: { team: 'core' } }, 'r')).toContain(
      '<ListQueueTagsResult><Tag><Key>team</Key><Value>core</Value></Tag></ListQueueTagsResult>',
    );
  });

  it('renders an error in the query error shape with its status, Receiver for server faults', () => {
    const response = sqsQueryError(new AwsError('InternalFailure', 'broke', 500), 'r');
    expect(response).toStrictEqual({
      status: 500,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'r' },
      body:
        `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>Receiver</Type><Code>InternalFailure</Code>` +
        '<Message>broke</Message><Detail/></Error><RequestId>r</RequestId></ErrorResponse>',
    });
  });
});

describe('SqsQueryProtocol', () => {
  let sqs: SqsService;
  let close: () => void;
  let protocol: SqsQueryProtocol;
  beforeEach(() => {
    ({ sqs, close } = createSqs());
    protocol = new SqsQueryProtocol(sqs);
  });
  afterEach(() => close());

  it('handles the SQS actions and no others', () => {
    expect(protocol.handles('SendMessage')).toBe(true);
    expect(protocol.handles('ListMessageMoveTasks')).toBe(true);
    expect(protocol.handles('AddPermission')).toBe(true);
    expect(protocol.handles('Publish')).toBe(false);
    expect(protocol.handles('toString')).toBe(false);
  });

  it('sends and receives through the service, binary attribute values as base64', async () => {
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'orders' });
    const sent = await protocol.handle(
      form({
        Action: 'SendMessage',
        QueueUrl,
        MessageBody: 'hi',
        'MessageAttribute.1.Name': 'blob',
        'MessageAttribute.1.Value.DataType': 'Binary',
        'MessageAttribute.1.Value.BinaryValue': Buffer.from([0, 255, 1]).toString('base64'),
      }),
      post(),
    );
    expect(sent.status).toBe(200);
    expect(sent.headers).toEqual({ 'content-type': 'text/xml', 'x-amzn-requestid': expect.any(String) });
    expect(String(sent.body)).toMatch(/<SendMessageResult><MD5OfMessageBody>49f68a5c8493ec2c0bf489821c21fc3b<\/MD5OfMessageBody>/);
    const received = await protocol.handle(form({ Action: 'ReceiveMessage', QueueUrl, 'MessageAttributeName.1': 'All' }), post());
    expect(String(received.body)).toContain(
      '<MessageAttribute><Name>blob</Name><Value><BinaryValue>AP8B</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>',
    );
  });

  it('addresses the queue the request was posted to when the form has no QueueUrl', async () => {
    await sqs.CreateQueue({ QueueName: 'orders' });
    const response = await protocol.handle(form({ Action: 'SendMessage', MessageBody: 'hi' }), post(`/${ACCOUNT}/orders`));
    expect(response.status).toBe(200);
    expect(await counts(sqs, `${BASE_URL}/${ACCOUNT}/orders`)).toMatchObject({ visible: 1 });
  });

  it('fails if the queue does not exist, with the legacy code in the query error shape', async () => {
    const response = await protocol.handle(form({ Action: 'GetQueueUrl', QueueName: 'missing' }), post());
    expect(response.status).toBe(400);
    expect(withoutRequestId(response.body)).toBe(
      `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type>` +
        '<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist for this wsdl version.</Message>' +
        '<Detail/></Error><RequestId>ID</RequestId></ErrorResponse>',
    );
  });

  it('fails if a purge follows another within a minute, with the 403 the error carries', async () => {
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'orders' });
    expect((await protocol.handle(form({ Action: 'PurgeQueue', QueueUrl }), post())).status).toBe(200);
    const again = await protocol.handle(form({ Action: 'PurgeQueue', QueueUrl }), post());
    expect(again.status).toBe(403);
    expect(String(again.body)).toContain('<Code>AWS.SimpleQueueService.PurgeQueueInProgress</Code>');
  });

  it('fails if a number is not an integer, with the operation’s own wording', async () => {
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'orders' });
    const response = await protocol.handle(form({ Action: 'ReceiveMessage', QueueUrl, MaxNumberOfMessages: 'ten' }), post());
    expect(response.status).toBe(400);
    expect(String(response.body)).toContain(
      '<Code>InvalidParameterValue</Code><Message>Value ten for parameter MaxNumberOfMessages is invalid.',
    );
  });

  it('fails if the action is unknown; serves every action of the model (AddPermission too)', async () => {
    const unknown = await protocol.handle(form({ Action: 'Publish' }), post());
    expect(unknown.status).toBe(400);
    expect(String(unknown.body)).toContain(
      '<Type>Sender</Type><Code>InvalidAction</Code><Message>The action Publish is not valid for this endpoint.</Message>',
    );
    const served = await protocol.handle(
      form({ Action: 'AddPermission', QueueUrl: 'q', Label: 'l', 'AWSAccountId.1': ACCOUNT, 'ActionName.1': 'SendMessage' }),
      post(),
    );
    expect(String(served.body)).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });
});

describe('SqsQueryProtocol with the AWS CLI', () => {
  let endpoint: Endpoint;
  let url: string;
  let sqs: SqsService;
  let db: ReturnType<typeof openDatabase>;

  beforeAll(async () => {
    endpoint = new Endpoint({ port: 0 });
    url = await endpoint.start();
    db = openDatabase(':memory:');
    sqs = new SqsService({ db, clock: systemClock, baseUrl: url, accountId: ACCOUNT, region: 'us-east-1' });
    endpoint.mount({ jsonServices: [], queryServices: [new SqsQueryProtocol(sqs)] });
  });
  afterAll(async () => {
    await endpoint.stop();
    sqs.close();
    db.close();
  });

  const aws = (...args: string[]) => awsCli(url, ['sqs', ...args]);

  it('answers a form post to the queue URL through the endpoint', async () => {
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'posted-to' });
    const response = await fetch(QueueUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: form({ Action: 'SendMessage', MessageBody: 'hi' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    const body = await response.text();
    expect(body).toMatch(/^<\?xml version="1.0"\?><SendMessageResponse xmlns="[^"]+"><SendMessageResult>/);
    // One request id, in the header and in the body, as SQS answers.
    expect(body).toContain(`<RequestId>${response.headers.get('x-amzn-requestid')}</RequestId>`);
    expect(await counts(sqs, QueueUrl)).toMatchObject({ visible: 1 });
  });

  it('creates, finds, describes, tags, lists and deletes a queue', async (ctx) => {
    ctx.skip(awsCliMissing, AWS_CLI_SKIP_REASON);
    const created = (await aws(
      'create-queue',
      '--queue-name',
      'cli-orders',
      '--attributes',
      'VisibilityTimeout=45',
      '--tags',
      'team=core',
    )) as {
      QueueUrl: string;
    };
    expect(created.QueueUrl).toBe(`${url}/${ACCOUNT}/cli-orders`);
    expect(await aws('get-queue-url', '--queue-name', 'cli-orders')).toEqual({ QueueUrl: created.QueueUrl });
    const { Attributes } = (await aws('get-queue-attributes', '--queue-url', created.QueueUrl, '--attribute-names', 'All')) as {
      Attributes: Record<string, string>;
    };
    expect(Attributes).toMatchObject({
      VisibilityTimeout: '45',
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:cli-orders`,
      ApproximateNumberOfMessages: '0',
    });
    expect(await aws('list-queue-tags', '--queue-url', created.QueueUrl)).toEqual({ Tags: { team: 'core' } });
    expect(await aws('list-queues', '--queue-name-prefix', 'cli-')).toEqual({ QueueUrls: [created.QueueUrl] });
    expect(await aws('delete-queue', '--queue-url', created.QueueUrl)).toBeUndefined();
    expect((await sqs.ListQueues({ QueueNamePrefix: 'cli-' })).QueueUrls).toEqual([]);
  });

  it('sends, receives, deletes and purges messages, bodies, attributes and MD5s intact', async (ctx) => {
    ctx.skip(awsCliMissing, AWS_CLI_SKIP_REASON);
    const { QueueUrl } = await sqs.CreateQueue({ QueueName: 'cli-messages' });
    // Markup, quotes and a CR that an XML parser would otherwise turn into LF.
    const body = `<order id="1"> & 'ünïcode' ✓\r\nend`;
    const attributes = {
      colour: { DataType: 'String', StringValue: 'blue & <green>' },
      count: { DataType: 'Number', StringValue: '42' },
      blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi').toString('base64') },
    };
    const sent = (await aws(
      'send-message',
      '--queue-url',
      QueueUrl,
      '--message-body',
      body,
      '--message-attributes',
      JSON.stringify(attributes),
    )) as {
      MessageId: string;
      MD5OfMessageBody: string;
      MD5OfMessageAttributes: string;
    };
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update(body, 'utf8').digest('hex'));

    const entries = [
      { Id: 'ok', MessageBody: 'second' },
      { Id: 'late', MessageBody: 'third', DelaySeconds: 901 },
    ];
    const batch = (await aws('send-message-batch', '--queue-url', QueueUrl, '--entries', JSON.stringify(entries))) as {
      Successful: { Id: string }[];
      Failed: { Id: string; SenderFault: boolean; Code: string }[];
    };
    expect(batch.Successful.map((entry) => entry.Id)).toEqual(['ok']);
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'late', SenderFault: true, Code: 'InvalidParameterValue' })]);

    const { Messages } = (await aws(
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--max-number-of-messages',
      '10',
      '--attribute-names',
      'All',
      '--message-attribute-names',
      'All',
    )) as {
      Messages: {
        MessageId: string;
        ReceiptHandle: string;
        Body: string;
        MD5OfBody: string;
        MD5OfMessageAttributes?: string;
        Attributes: Record<string, string>;
        MessageAttributes?: Record<string, unknown>;
      }[];
    };
    expect(Messages.map((m) => m.Body).sort()).toEqual([body, 'second'].sort());
    const first = Messages.find((m) => m.MessageId === sent.MessageId);
    expect(first).toMatchObject({
      Body: body,
      MD5OfBody: sent.MD5OfMessageBody,
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      MessageAttributes: attributes,
      Attributes: { SenderId: ACCOUNT, ApproximateReceiveCount: '1' },
    });

    expect(await aws('delete-message', '--queue-url', QueueUrl, '--receipt-handle', first?.ReceiptHandle ?? '')).toBeUndefined();
    expect(await counts(sqs, QueueUrl)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect(await aws('purge-queue', '--queue-url', QueueUrl)).toBeUndefined();
    expect(await counts(sqs, QueueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it("fails if the queue does not exist, with the CLI's error text naming the legacy code", async (ctx) => {
    ctx.skip(awsCliMissing, AWS_CLI_SKIP_REASON);
    await expect(aws('get-queue-url', '--queue-name', 'cli-missing')).rejects.toMatchObject({
      code: 254,
      stderr: expect.stringContaining(
        // AWS's query-protocol wording, as recorded (test/conformance/aws-recorded/sqs, queue-does-not-exist-query).
        'An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist for this wsdl version.',
      ),
    });
  });
});

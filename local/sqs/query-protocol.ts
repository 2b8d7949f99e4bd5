import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import { compact, element, FormParams, text as formText, queryResponseBody, xmlResponse } from '../endpoint/query-form.js';
import type { XmlEscaping } from '../endpoint/xml-escape.js';
import { validateSqsQueryInput } from './input-validation.js';
import { SqsError } from './sqs-errors.js';
import type { SqsService } from './sqs-service.js';
import type { BatchResultErrorEntry, Message, MessageAttributeValue } from './sqs-types.js';

/**
 * SQS's query protocol (API version 2012-11-05), which the AWS CLI shipped by Debian and
 * other older SDKs still speak: `Action=SendMessage&QueueUrl=...` form posts answered with
 * XML. Requests are decoded into the JSON protocol's input shapes and handed to the same
 * SqsService operations the JSON endpoint calls, so both protocols behave identically.
 *
 * Member names, flattened lists and maps and result wrappers follow the botocore service
 * model `sqs/2012-11-05/service-2.json` (query edition).
 */
export class SqsQueryProtocol {
  constructor(
    private readonly sqs: SqsService,
    /** The caller's IAM check, before an operation runs. @default none */
    private authorize?: (operation: string, input: unknown) => Promise<void>,
  ) {}

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>): void {
    this.authorize = authorize;
  }

  /** SQS's query actions, including the two the local runtime answers as unsupported. */
  handles(action: string): boolean {
    return Object.hasOwn(OPERATIONS, action) || UNSUPPORTED_ACTIONS.has(action);
  }

  async handle(form: URLSearchParams, request: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const action = form.get('Action') ?? '';
    try {
      const input = decodeSqsQuery(action, form, queueUrlFromPath(request));
      validateSqsQueryInput(action, input);
      await this.authorize?.(action, input);
      // Operations are only looked up by names OPERATIONS holds, which are all SqsService methods.
      const operation = this.sqs[action as SqsOperationName] as (input: unknown) => Promise<unknown>;
      const output = await operation.call(this.sqs, input);
      return xmlResponse(200, encodeSqsQueryResult(action as SqsOperationName, output as never, requestId), requestId);
    } catch (error) {
      if (error instanceof AwsError) return sqsQueryError(error, requestId);
      throw error;
    }
  }

  /** SQS's `<ErrorResponse>` document, for errors the endpoint answers before an action runs. */
  errorResponse(error: AwsError): RawResponse {
    return sqsQueryError(error, randomUUID());
  }
}

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Actions of the API that the local SQS does not implement: a queue's policy, which IAM evaluates, is set with SetQueueAttributes' Policy. */
const UNSUPPORTED_ACTIONS = new Set(['AddPermission', 'RemovePermission']);

export type SqsOperationName =
  | 'CreateQueue'
  | 'GetQueueUrl'
  | 'ListQueues'
  | 'GetQueueAttributes'
  | 'SetQueueAttributes'
  | 'DeleteQueue'
  | 'PurgeQueue'
  | 'TagQueue'
  | 'UntagQueue'
  | 'ListQueueTags'
  | 'ListDeadLetterSourceQueues'
  | 'SendMessage'
  | 'SendMessageBatch'
  | 'ReceiveMessage'
  | 'DeleteMessage'
  | 'DeleteMessageBatch'
  | 'ChangeMessageVisibility'
  | 'ChangeMessageVisibilityBatch'
  | 'StartMessageMoveTask'
  | 'CancelMessageMoveTask'
  | 'ListMessageMoveTasks';

type InputOf<N extends SqsOperationName> = NonNullable<Parameters<SqsService[N]>[0]>;
type OutputOf<N extends SqsOperationName> = Awaited<ReturnType<SqsService[N]>>;

interface QueryOperation<N extends SqsOperationName> {
  decode(params: FormParams): InputOf<N>;
  /** The content of `<NResult>`; operations without one answer only ResponseMetadata. */
  encode?(output: OutputOf<N>): string;
}

const OPERATIONS: { readonly [N in SqsOperationName]: QueryOperation<N> } = {
  CreateQueue: {
    decode: (p) => compact({ QueueName: p.string('QueueName') as string, Attributes: attributes(p), tags: tags(p) }),
    encode: (o) => text('QueueUrl', o.QueueUrl),
  },
  GetQueueUrl: {
    decode: (p) => compact({ QueueName: p.string('QueueName') as string, QueueOwnerAWSAccountId: p.string('QueueOwnerAWSAccountId') }),
    encode: (o) => text('QueueUrl', o.QueueUrl),
  },
  ListQueues: {
    decode: (p) =>
      compact({ QueueNamePrefix: p.string('QueueNamePrefix'), NextToken: p.string('NextToken'), MaxResults: p.integer('MaxResults') }),
    encode: (o) => o.QueueUrls.map((url) => text('QueueUrl', url)).join('') + text('NextToken', o.NextToken),
  },
  GetQueueAttributes: {
    decode: (p) => compact({ QueueUrl: queueUrl(p), AttributeNames: p.strings('AttributeName', 'flattened') }),
    encode: (o) => nameValues('Attribute', 'Name', 'Value', o.Attributes),
  },
  SetQueueAttributes: {
    decode: (p) => compact({ QueueUrl: queueUrl(p), Attributes: attributes(p) ?? {} }),
  },
  DeleteQueue: { decode: (p) => ({ QueueUrl: queueUrl(p) }) },
  PurgeQueue: { decode: (p) => ({ QueueUrl: queueUrl(p) }) },
  TagQueue: {
    decode: (p) => ({ QueueUrl: queueUrl(p), Tags: tags(p) ?? {} }),
  },
  UntagQueue: {
    decode: (p) => ({ QueueUrl: queueUrl(p), TagKeys: p.strings('TagKey', 'flattened') ?? [] }),
  },
  ListQueueTags: {
    decode: (p) => ({ QueueUrl: queueUrl(p) }),
    encode: (o) => nameValues('Tag', 'Key', 'Value', o.Tags),
  },
  ListDeadLetterSourceQueues: {
    decode: (p) => compact({ QueueUrl: queueUrl(p), NextToken: p.string('NextToken'), MaxResults: p.integer('MaxResults') }),
    encode: (o) => o.queueUrls.map((url) => text('QueueUrl', url)).join('') + text('NextToken', o.NextToken),
  },
  SendMessage: {
    decode: (p) => ({ QueueUrl: queueUrl(p), ...sendParameters(p) }),
    encode: (o) =>
      text('MD5OfMessageBody', o.MD5OfMessageBody) +
      text('MD5OfMessageAttributes', o.MD5OfMessageAttributes) +
      text('MD5OfMessageSystemAttributes', o.MD5OfMessageSystemAttributes) +
      text('MessageId', o.MessageId) +
      text('SequenceNumber', o.SequenceNumber),
  },
  SendMessageBatch: {
    decode: (p) => ({
      QueueUrl: queueUrl(p),
      Entries: p.flattened('SendMessageBatchRequestEntry').map((entry) => ({ Id: entry.string('Id') as string, ...sendParameters(entry) })),
    }),
    encode: (o) =>
      o.Successful.map((entry) =>
        element(
          'SendMessageBatchResultEntry',
          text('Id', entry.Id) +
            text('MessageId', entry.MessageId) +
            text('MD5OfMessageBody', entry.MD5OfMessageBody) +
            text('MD5OfMessageAttributes', entry.MD5OfMessageAttributes) +
            text('MD5OfMessageSystemAttributes', entry.MD5OfMessageSystemAttributes) +
            text('SequenceNumber', entry.SequenceNumber),
        ),
      ).join('') + batchErrors(o.Failed),
  },
  ReceiveMessage: {
    decode: (p) =>
      compact({
        QueueUrl: queueUrl(p),
        AttributeNames: p.strings('AttributeName', 'flattened'),
        MessageSystemAttributeNames: p.strings('MessageSystemAttributeName', 'flattened'),
        MessageAttributeNames: p.strings('MessageAttributeName', 'flattened'),
        MaxNumberOfMessages: p.integer('MaxNumberOfMessages'),
        VisibilityTimeout: p.integer('VisibilityTimeout'),
        WaitTimeSeconds: p.integer('WaitTimeSeconds'),
        ReceiveRequestAttemptId: p.string('ReceiveRequestAttemptId'),
      }),
    encode: (o) => o.Messages.map(message).join(''),
  },
  DeleteMessage: {
    decode: (p) => ({ QueueUrl: queueUrl(p), ReceiptHandle: p.string('ReceiptHandle') as string }),
  },
  DeleteMessageBatch: {
    decode: (p) => ({
      QueueUrl: queueUrl(p),
      Entries: p
        .flattened('DeleteMessageBatchRequestEntry')
        .map((entry) => ({ Id: entry.string('Id') as string, ReceiptHandle: entry.string('ReceiptHandle') as string })),
    }),
    encode: (o) => batchIds('DeleteMessageBatchResultEntry', o.Successful) + batchErrors(o.Failed),
  },
  ChangeMessageVisibility: {
    decode: (p) => ({
      QueueUrl: queueUrl(p),
      ReceiptHandle: p.string('ReceiptHandle') as string,
      VisibilityTimeout: p.integer('VisibilityTimeout') as number,
    }),
  },
  ChangeMessageVisibilityBatch: {
    decode: (p) => ({
      QueueUrl: queueUrl(p),
      Entries: p.flattened('ChangeMessageVisibilityBatchRequestEntry').map((entry) =>
        compact({
          Id: entry.string('Id') as string,
          ReceiptHandle: entry.string('ReceiptHandle') as string,
          VisibilityTimeout: entry.integer('VisibilityTimeout'),
        }),
      ),
    }),
    encode: (o) => batchIds('ChangeMessageVisibilityBatchResultEntry', o.Successful) + batchErrors(o.Failed),
  },
  StartMessageMoveTask: {
    decode: (p) =>
      compact({
        SourceArn: p.string('SourceArn') as string,
        DestinationArn: p.string('DestinationArn'),
        MaxNumberOfMessagesPerSecond: p.integer('MaxNumberOfMessagesPerSecond'),
      }),
    encode: (o) => text('TaskHandle', o.TaskHandle),
  },
  CancelMessageMoveTask: {
    decode: (p) => ({ TaskHandle: p.string('TaskHandle') as string }),
    encode: (o) => text('ApproximateNumberOfMessagesMoved', o.ApproximateNumberOfMessagesMoved),
  },
  ListMessageMoveTasks: {
    decode: (p) => compact({ SourceArn: p.string('SourceArn') as string, MaxResults: p.integer('MaxResults') }),
    encode: (o) =>
      o.Results.map((task) =>
        element(
          'ListMessageMoveTasksResultEntry',
          text('TaskHandle', task.TaskHandle) +
            text('Status', task.Status) +
            text('SourceArn', task.SourceArn) +
            text('DestinationArn', task.DestinationArn) +
            text('MaxNumberOfMessagesPerSecond', task.MaxNumberOfMessagesPerSecond) +
            text('ApproximateNumberOfMessagesMoved', task.ApproximateNumberOfMessagesMoved) +
            text('ApproximateNumberOfMessagesToMove', task.ApproximateNumberOfMessagesToMove) +
            text('FailureReason', task.FailureReason) +
            text('StartedTimestamp', task.StartedTimestamp),
        ),
      ).join(''),
  },
};

/** The JSON-protocol input of a query action; InvalidAction for actions SQS does not have. */
export function decodeSqsQuery(action: string, form: URLSearchParams, queueUrlFromPath?: string): unknown {
  if (UNSUPPORTED_ACTIONS.has(action)) {
    throw new SqsError('UnsupportedOperation', `${action} is not supported by the local SQS service.`);
  }
  if (!Object.hasOwn(OPERATIONS, action)) {
    throw new AwsError('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint.`, 400);
  }
  let source = form;
  // SDKs that post to the queue's own URL leave QueueUrl out of the form.
  if (!form.has('QueueUrl') && queueUrlFromPath !== undefined) {
    source = new URLSearchParams(form);
    source.set('QueueUrl', queueUrlFromPath);
  }
  return OPERATIONS[action as SqsOperationName].decode(FormParams.parse(source));
}

/** The `<ActionResponse>` document for an operation's output. */
export function encodeSqsQueryResult<N extends SqsOperationName>(action: N, output: OutputOf<N>, requestId: string): string {
  const encode = (OPERATIONS[action] as QueryOperation<N>).encode;
  return queryResponseBody(XMLNS, action, encode ? encode(output) : undefined, requestId);
}

/** The query protocol words a missing queue as the old SOAP-era API did (recorded on AWS); the JSON protocol does not. */
function queryErrorMessage(error: AwsError): string {
  if (error instanceof SqsError && error.code === 'QueueDoesNotExist') return 'The specified queue does not exist for this wsdl version.';
  return error.message;
}

/** SQS's query error document, with the legacy code (`AWS.SimpleQueueService.NonExistentQueue`) and the error's status. */
export function sqsQueryError(error: AwsError, requestId: string): RawResponse {
  const code = error instanceof SqsError ? error.queryErrorCode : error.code;
  const body =
    `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error>` +
    text('Type', error.senderFault ? 'Sender' : 'Receiver') +
    text('Code', code) +
    text('Message', queryErrorMessage(error)) +
    `<Detail/></Error>${text('RequestId', requestId)}</ErrorResponse>`;
  return xmlResponse(error.status, body, requestId);
}

/** The queue a request posted to `/<account>/<queue>` addresses, as a full URL for error messages. */
function queueUrlFromPath(request: RawRequest): string | undefined {
  if (!/^\/[^/]+\/[^/]+\/?$/.test(request.path)) return undefined;
  const host = request.headers.host ?? 'localhost';
  return `http://${host}${request.path}`;
}

function queueUrl(params: FormParams): string {
  // A missing QueueUrl goes through as such: the operation answers MissingParameter.
  return params.string('QueueUrl') as string;
}

function sendParameters(p: FormParams) {
  return compact({
    MessageBody: p.string('MessageBody') as string,
    DelaySeconds: p.integer('DelaySeconds'),
    MessageAttributes: p.messageAttributes('MessageAttribute', 'flattened') as Record<string, MessageAttributeValue> | undefined,
    MessageSystemAttributes: p.messageAttributes('MessageSystemAttribute', 'flattened') as
      | Record<string, MessageAttributeValue>
      | undefined,
    MessageDeduplicationId: p.string('MessageDeduplicationId'),
    MessageGroupId: p.string('MessageGroupId'),
  });
}

function message(m: Message): string {
  return element(
    'Message',
    text('MessageId', m.MessageId) +
      text('ReceiptHandle', m.ReceiptHandle) +
      text('MD5OfBody', m.MD5OfBody) +
      text('Body', m.Body) +
      nameValues('Attribute', 'Name', 'Value', m.Attributes ?? {}) +
      text('MD5OfMessageAttributes', m.MD5OfMessageAttributes) +
      Object.entries(m.MessageAttributes ?? {})
        .map(([name, value]) => element('MessageAttribute', text('Name', name) + element('Value', attributeValue(value))))
        .join(''),
  );
}

function attributeValue(value: MessageAttributeValue): string {
  return (
    text('StringValue', value.StringValue) +
    text('BinaryValue', value.BinaryValue === undefined ? undefined : base64(value.BinaryValue)) +
    (value.StringListValues ?? []).map((item) => text('StringListValue', item)).join('') +
    (value.BinaryListValues ?? []).map((item) => text('BinaryListValue', base64(item))).join('') +
    text('DataType', value.DataType)
  );
}

function base64(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('base64');
}

function batchIds(entryName: string, entries: { Id: string }[]): string {
  return entries.map((entry) => element(entryName, text('Id', entry.Id))).join('');
}

function batchErrors(entries: BatchResultErrorEntry[]): string {
  return entries
    .map((entry) =>
      element(
        'BatchResultErrorEntry',
        text('Id', entry.Id) + text('SenderFault', entry.SenderFault) + text('Code', entry.Code) + text('Message', entry.Message),
      ),
    )
    .join('');
}

/** A flattened map: one `<entryName>` per pair, with the key and value as child elements. */
function nameValues(entryName: string, key: string, value: string, map: Record<string, string>): string {
  return Object.entries(map)
    .map(([k, v]) => element(entryName, text(key, k) + text(value, v)))
    .join('');
}

/** SQS writes named entities, and CR as a character reference so that a message body keeps its MD5. */
const SQS_ESCAPING: XmlEscaping = { entities: 'named', carriageReturn: true };

function text(name: string, value: string | number | boolean | undefined): string {
  return formText(name, value, SQS_ESCAPING);
}

/** A flattened map of the queue's attributes: `Attribute.N.Name` and `Attribute.N.Value`. */
function attributes(p: FormParams): Record<string, string> | undefined {
  return p.map('Attribute', { wrapper: 'flattened', key: 'Name', value: 'Value' });
}

/** A flattened map of tags: `Tag.N.Key` and `Tag.N.Value`. */
function tags(p: FormParams): Record<string, string> | undefined {
  return p.map('Tag', { wrapper: 'flattened', key: 'Key', value: 'Value' });
}

import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import { escapeXml, type XmlEscaping } from '../endpoint/xml-escape.js';
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
    private readonly authorize?: (operation: string, input: unknown) => Promise<void>,
  ) {}

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
      return withRequestId(xmlResponse(200, encodeSqsQueryResult(action as SqsOperationName, output as never, requestId)), requestId);
    } catch (error) {
      if (error instanceof AwsError) return withRequestId(sqsQueryError(error, requestId), requestId);
      throw error;
    }
  }

  /** SQS's `<ErrorResponse>` document, for errors the endpoint answers before an action runs. */
  errorResponse(error: AwsError): RawResponse {
    const requestId = randomUUID();
    return withRequestId(sqsQueryError(error, requestId), requestId);
  }
}

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Actions of the API that the local SQS does not implement (queue policies are not enforced locally). */
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
  decode(params: QueryParams): InputOf<N>;
  /** The content of `<NResult>`; operations without one answer only ResponseMetadata. */
  encode?(output: OutputOf<N>): string;
}

const OPERATIONS: { readonly [N in SqsOperationName]: QueryOperation<N> } = {
  CreateQueue: {
    decode: (p) => compact({ QueueName: p.string('QueueName') as string, Attributes: p.map('Attribute'), tags: p.tags('Tag') }),
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
    decode: (p) => compact({ QueueUrl: queueUrl(p), AttributeNames: p.strings('AttributeName') }),
    encode: (o) => nameValues('Attribute', 'Name', 'Value', o.Attributes),
  },
  SetQueueAttributes: {
    decode: (p) => compact({ QueueUrl: queueUrl(p), Attributes: p.map('Attribute') ?? {} }),
  },
  DeleteQueue: { decode: (p) => ({ QueueUrl: queueUrl(p) }) },
  PurgeQueue: { decode: (p) => ({ QueueUrl: queueUrl(p) }) },
  TagQueue: {
    decode: (p) => ({ QueueUrl: queueUrl(p), Tags: p.tags('Tag') ?? {} }),
  },
  UntagQueue: {
    decode: (p) => ({ QueueUrl: queueUrl(p), TagKeys: p.strings('TagKey') ?? [] }),
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
      Entries: p.entries('SendMessageBatchRequestEntry').map((entry) => ({ Id: entry.string('Id') as string, ...sendParameters(entry) })),
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
        AttributeNames: p.strings('AttributeName'),
        MessageSystemAttributeNames: p.strings('MessageSystemAttributeName'),
        MessageAttributeNames: p.strings('MessageAttributeName'),
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
        .entries('DeleteMessageBatchRequestEntry')
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
      Entries: p.entries('ChangeMessageVisibilityBatchRequestEntry').map((entry) =>
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

/**
 * The form's dotted keys as a tree (`MessageAttribute.1.Value.DataType` is four levels),
 * read member by member the way the query protocol nests them.
 */
class QueryParams {
  #value: string | undefined;
  readonly #children = new Map<string, QueryParams>();

  static parse(form: URLSearchParams): QueryParams {
    const root = new QueryParams();
    for (const [key, value] of form) {
      let node = root;
      for (const part of key.split('.')) {
        let child = node.#children.get(part);
        if (!child) {
          child = new QueryParams();
          node.#children.set(part, child);
        }
        node = child;
      }
      // First value wins, as URLSearchParams.get reads it.
      node.#value ??= value;
    }
    return root;
  }

  string(name: string): string | undefined {
    const child = this.#children.get(name);
    return child === undefined ? undefined : child.#value;
  }

  /**
   * A number when the text is an integer; anything else stays text, so that the operation's
   * own validation rejects it with SQS's wording ("Value abc for parameter ... is invalid").
   */
  integer(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    return /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : (value as unknown as number);
  }

  /** A flattened list of structures: `name.1.*`, `name.2.*`, ... in index order. */
  entries(name: string): QueryParams[] {
    const list = this.#children.get(name);
    if (!list) return [];
    return [...list.#children]
      .filter(([index]) => /^[1-9]\d*$/.test(index))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, entry]) => entry);
  }

  /** A flattened list of strings: `name.1`, `name.2`, ...; undefined when there is none. */
  strings(name: string): string[] | undefined {
    const values = this.entries(name)
      .map((entry) => entry.#value)
      .filter((value) => value !== undefined);
    return values.length > 0 ? values : undefined;
  }

  /** A flattened map of strings: `name.N.<key>` and `name.N.<value>`; undefined when empty. */
  map(name: string, key = 'Name', value = 'Value'): Record<string, string> | undefined {
    const pairs: [string, string][] = [];
    for (const entry of this.entries(name)) {
      const k = entry.string(key);
      if (k !== undefined) pairs.push([k, entry.string(value) ?? '']);
    }
    // fromEntries, not assignment, so that a name like `__proto__` stays an ordinary key.
    return pairs.length > 0 ? Object.fromEntries(pairs) : undefined;
  }

  tags(name: string): Record<string, string> | undefined {
    return this.map(name, 'Key', 'Value');
  }

  /** `name.N.Name` with `name.N.Value.{StringValue,BinaryValue,DataType,StringListValue.M,BinaryListValue.M}`. */
  messageAttributes(name: string): Record<string, MessageAttributeValue> | undefined {
    const pairs: [string, MessageAttributeValue][] = [];
    for (const entry of this.entries(name)) {
      const attributeName = entry.string('Name');
      if (attributeName === undefined) continue;
      const value = entry.#children.get('Value') ?? new QueryParams();
      pairs.push([
        attributeName,
        compact({
          DataType: value.string('DataType') as string,
          StringValue: value.string('StringValue'),
          BinaryValue: value.string('BinaryValue'),
          StringListValues: value.strings('StringListValue'),
          BinaryListValues: value.strings('BinaryListValue'),
        }),
      ]);
    }
    return pairs.length > 0 ? Object.fromEntries(pairs) : undefined;
  }
}

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
  return OPERATIONS[action as SqsOperationName].decode(QueryParams.parse(source));
}

/** The `<ActionResponse>` document for an operation's output. */
export function encodeSqsQueryResult<N extends SqsOperationName>(action: N, output: OutputOf<N>, requestId: string): string {
  const encode = (OPERATIONS[action] as QueryOperation<N>).encode;
  const result = encode ? element(`${action}Result`, encode(output)) : '';
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}">${result}` +
    `${element('ResponseMetadata', text('RequestId', requestId))}</${action}Response>`
  );
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
  return xmlResponse(error.status, body);
}

/** The queue a request posted to `/<account>/<queue>` addresses, as a full URL for error messages. */
function queueUrlFromPath(request: RawRequest): string | undefined {
  if (!/^\/[^/]+\/[^/]+\/?$/.test(request.path)) return undefined;
  const host = request.headers.host ?? 'localhost';
  return `http://${host}${request.path}`;
}

function queueUrl(params: QueryParams): string {
  // A missing QueueUrl goes through as such: the operation answers MissingParameter.
  return params.string('QueueUrl') as string;
}

function sendParameters(p: QueryParams) {
  return compact({
    MessageBody: p.string('MessageBody') as string,
    DelaySeconds: p.integer('DelaySeconds'),
    MessageAttributes: p.messageAttributes('MessageAttribute'),
    MessageSystemAttributes: p.messageAttributes('MessageSystemAttribute'),
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
  return value === undefined ? '' : `<${name}>${escapeXml(String(value), SQS_ESCAPING)}</${name}>`;
}

function element(name: string, content: string): string {
  return content === '' ? `<${name}/>` : `<${name}>${content}</${name}>`;
}

/** The same request id in the header as in the XML body, as SQS answers. */
function withRequestId(response: RawResponse, requestId: string): RawResponse {
  return { ...response, headers: { ...response.headers, 'x-amzn-requestid': requestId } };
}

function xmlResponse(status: number, body: string): RawResponse {
  return { status, headers: { 'content-type': 'text/xml' }, body };
}

/** Drops absent members, so that inputs look exactly like what the JSON protocol would carry. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelQueryProtocol, type QueryDialect } from '../endpoint/model-protocols/query-codec.js';
import { type QueryEdition, queryEdition } from '../endpoint/model-protocols/query-edition.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import { text, xmlResponse } from '../endpoint/query-form.js';
import { loadModel } from '../endpoint/validation/model.js';
import { operationTable } from '../service-registry/operation-table.js';
import { validateSqsQueryInput } from './input-validation.js';
import { SqsError } from './sqs-errors.js';
import { SqsService } from './sqs-service.js';

/**
 * SQS's query protocol (API version 2012-11-05), which the AWS CLI shipped by Debian and
 * other older SDKs still speak: `Action=SendMessage&QueueUrl=...` form posts answered with
 * XML, spoken by the model-driven codec from SQS's model in its query edition, over the same
 * SqsService operations the JSON protocol calls, so both protocols behave identically.
 */

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

/**
 * The query names botocore's query edition of the model gave SQS's members (before 1.31.81):
 * every list and map flattened, each item named in the singular (`Attribute.N.Name`,
 * `MessageAttribute.N.Value.StringValue`, `<QueueUrl>` after `<QueueUrl>`).
 */
const SQS_QUERY_EDITION: QueryEdition = {
  xmlNamespace: XMLNS,
  names: {
    Attributes: 'Attribute',
    tags: 'Tag',
    Tags: 'Tag',
    TagKeys: 'TagKey',
    AWSAccountIds: 'AWSAccountId',
    Actions: 'ActionName',
    AttributeNames: 'AttributeName',
    MessageSystemAttributeNames: 'MessageSystemAttributeName',
    MessageAttributeNames: 'MessageAttributeName',
    MessageAttributes: 'MessageAttribute',
    MessageSystemAttributes: 'MessageSystemAttribute',
    StringListValues: 'StringListValue',
    BinaryListValues: 'BinaryListValue',
    QueueUrls: 'QueueUrl',
    queueUrls: 'QueueUrl',
    Messages: 'Message',
    Failed: 'BatchResultErrorEntry',
    Results: 'ListMessageMoveTasksResultEntry',
    'SendMessageBatchRequest.Entries': 'SendMessageBatchRequestEntry',
    'DeleteMessageBatchRequest.Entries': 'DeleteMessageBatchRequestEntry',
    'ChangeMessageVisibilityBatchRequest.Entries': 'ChangeMessageVisibilityBatchRequestEntry',
    'SendMessageBatchResult.Successful': 'SendMessageBatchResultEntry',
    'DeleteMessageBatchResult.Successful': 'DeleteMessageBatchResultEntry',
    'ChangeMessageVisibilityBatchResult.Successful': 'ChangeMessageVisibilityBatchResultEntry',
  },
  entries: { '*': ['Name', 'Value'], TagMap: ['Key', 'Value'] },
};

/** Where SQS's query API words things otherwise than the protocol's defaults. */
const SQS_DIALECT: QueryDialect = {
  // Named entities, and CR as a character reference so that a message body keeps its MD5.
  escaping: { entities: 'named', carriageReturn: true },
  // An action of SQS's model that the local service does not serve.
  unsupported: (action) => new SqsError('UnsupportedOperation', `${action} is not supported by the local SQS service.`),
  unknown: (action) => new AwsError('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint.`, 400),
  errorResponse: sqsQueryError,
  // SDKs that post to the queue's own URL leave QueueUrl out of the form.
  requestParameters: (request): Record<string, string> => {
    const queueUrl = queueUrlFromPath(request);
    return queueUrl === undefined ? {} : { QueueUrl: queueUrl };
  },
  // The query protocol's oldest service: the endpoint's own errors for a request signed for no query service are SQS's.
  answersUnscoped: true,
};

/** SQS's query protocol over a service's operations (what the endpoint mounts). */
export class SqsQueryProtocol extends ModelQueryProtocol {
  constructor(sqs: SqsService) {
    super(
      queryEdition(loadModel('sqs'), SQS_QUERY_EDITION),
      operationTable(sqs, SqsService) as ModelOperations,
      { serviceName: 'SQS', validate: validateSqsQueryInput },
      SQS_DIALECT,
    );
  }
}

/** The query protocol words a missing queue as the old SOAP-era API did (recorded on AWS); the JSON protocol does not. */
function queryErrorMessage(error: AwsError): string {
  if (error instanceof SqsError && error.code === 'QueueDoesNotExist') return 'The specified queue does not exist for this wsdl version.';
  return error.message;
}

/**
 * The actions whose errors AWS writes with no `<Detail/>` (recorded the same day as the others,
 * which have one: DeleteMessageBatch's and ChangeMessageVisibilityBatch's invalid entry ids and
 * too many entries, where SendMessageBatch's have it).
 */
const NO_DETAIL_ACTIONS = new Set(['DeleteMessageBatch', 'ChangeMessageVisibilityBatch']);

/** SQS's query error document, with the legacy code (`AWS.SimpleQueueService.NonExistentQueue`), a `<Detail/>` (but for NO_DETAIL_ACTIONS) and the error's status. */
export function sqsQueryError(error: AwsError, requestId: string, action?: string): RawResponse {
  const escaping = SQS_DIALECT.escaping;
  const code = error instanceof SqsError ? error.queryErrorCode : error.code;
  const body =
    `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error>` +
    text('Type', error.senderFault ? 'Sender' : 'Receiver', escaping) +
    text('Code', code, escaping) +
    text('Message', queryErrorMessage(error), escaping) +
    `${action !== undefined && NO_DETAIL_ACTIONS.has(action) ? '' : '<Detail/>'}</Error>${text('RequestId', requestId, escaping)}</ErrorResponse>`;
  return xmlResponse(error.status, body, requestId);
}

/** The queue a request posted to `/<account>/<queue>` addresses, as a full URL for error messages. */
function queueUrlFromPath(request: RawRequest): string | undefined {
  if (!/^\/[^/]+\/[^/]+\/?$/.test(request.path)) return undefined;
  const host = request.headers.host ?? 'localhost';
  return `http://${host}${request.path}`;
}

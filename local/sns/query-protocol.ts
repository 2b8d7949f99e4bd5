import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse } from '../endpoint/protocols.js';
import { compact, entries, members, FormParams as Params, queryErrorResponse, queryResponse, text } from '../endpoint/query-form.js';
import { validateSnsInput } from './input-validation.js';
import { SnsError } from './sns-errors.js';
import type { SnsService } from './sns-service.js';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** Every action of the SNS API; those without an entry in OPERATIONS answer that they are not supported locally. */
const ALL_ACTIONS = new Set([
  'AddPermission',
  'CheckIfPhoneNumberIsOptedOut',
  'ConfirmSubscription',
  'CreatePlatformApplication',
  'CreatePlatformEndpoint',
  'CreateSMSSandboxPhoneNumber',
  'CreateTopic',
  'DeleteEndpoint',
  'DeletePlatformApplication',
  'DeleteSMSSandboxPhoneNumber',
  'DeleteTopic',
  'GetDataProtectionPolicy',
  'GetEndpointAttributes',
  'GetPlatformApplicationAttributes',
  'GetSMSAttributes',
  'GetSMSSandboxAccountStatus',
  'GetSubscriptionAttributes',
  'GetTopicAttributes',
  'ListEndpointsByPlatformApplication',
  'ListOriginationNumbers',
  'ListPhoneNumbersOptedOut',
  'ListPlatformApplications',
  'ListSMSSandboxPhoneNumbers',
  'ListSubscriptions',
  'ListSubscriptionsByTopic',
  'ListTagsForResource',
  'ListTopics',
  'OptInPhoneNumber',
  'Publish',
  'PublishBatch',
  'PutDataProtectionPolicy',
  'RemovePermission',
  'SetEndpointAttributes',
  'SetPlatformApplicationAttributes',
  'SetSMSAttributes',
  'SetSubscriptionAttributes',
  'SetTopicAttributes',
  'Subscribe',
  'TagResource',
  'Unsubscribe',
  'UntagResource',
  'VerifySMSSandboxPhoneNumber',
]);

type Output = Record<string, unknown>;

interface QueryOperation {
  decode(params: Params): unknown;
  /** The content of `<ActionResult>`; operations whose output has no result wrapper answer only ResponseMetadata. */
  encode?(output: Output): string;
}

/**
 * SNS's query protocol (API version 2010-03-31), which the AWS SDK v3 and the AWS CLI speak:
 * `Action=Publish&TopicArn=...` form posts answered with XML. Maps are
 * `<Name>.entry.N.key/value` (message attributes `.Name/.Value.*`), lists `<Name>.member.N`,
 * as botocore's `sns/2010-03-31/service-2.json` defines them (none is flattened).
 */
export class SnsQueryProtocol {
  /** The service name in a SigV4 credential scope, telling SNS's AddPermission from SQS's. */
  readonly signingName = 'sns';

  constructor(
    private readonly sns: SnsService,
    /** The caller's IAM check, before an operation runs. @default none */
    private authorize?: (operation: string, input: unknown) => Promise<void>,
  ) {}

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>): void {
    this.authorize = authorize;
  }

  handles(action: string): boolean {
    return ALL_ACTIONS.has(action);
  }

  async handle(form: URLSearchParams, _request?: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const action = form.get('Action') ?? '';
    try {
      const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
      if (!operation) throw new SnsError('InvalidAction', `${action} is not supported by the local SNS service.`);
      const method = (this.sns as unknown as Record<string, (input: unknown) => Promise<Output>>)[action] as (
        input: unknown,
      ) => Promise<Output>;
      const input = operation.decode(Params.parse(form));
      validateSnsInput(action, input);
      await this.authorize?.(action, input);
      const output = await method.call(this.sns, input);
      return queryResponse(XMLNS, action, operation.encode?.(output), requestId);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error, requestId);
    }
  }

  /** SNS's `<ErrorResponse>` document, with the error's status. */
  errorResponse(error: AwsError, requestId: string = randomUUID()): RawResponse {
    return queryErrorResponse(XMLNS, error, requestId);
  }
}

const OPERATIONS: Record<string, QueryOperation> = {
  CreateTopic: {
    decode: (p) =>
      compact({
        Name: p.string('Name'),
        Attributes: p.map('Attributes'),
        Tags: p.tags('Tags'),
        DataProtectionPolicy: p.string('DataProtectionPolicy'),
      }),
    encode: (o) => text('TopicArn', o.TopicArn),
  },
  DeleteTopic: { decode: (p) => compact({ TopicArn: p.string('TopicArn') }) },
  ListTopics: {
    decode: (p) => compact({ NextToken: p.string('NextToken') }),
    encode: (o) => members('Topics', o.Topics, (t) => text('TopicArn', t.TopicArn)) + text('NextToken', o.NextToken),
  },
  GetTopicAttributes: { decode: (p) => compact({ TopicArn: p.string('TopicArn') }), encode: (o) => entries('Attributes', o.Attributes) },
  SetTopicAttributes: {
    decode: (p) =>
      compact({ TopicArn: p.string('TopicArn'), AttributeName: p.string('AttributeName'), AttributeValue: p.string('AttributeValue') }),
  },
  Subscribe: {
    decode: (p) =>
      compact({
        TopicArn: p.string('TopicArn'),
        Protocol: p.string('Protocol'),
        Endpoint: p.string('Endpoint'),
        Attributes: p.map('Attributes'),
        ReturnSubscriptionArn: p.string('ReturnSubscriptionArn') === undefined ? undefined : p.string('ReturnSubscriptionArn') === 'true',
      }),
    encode: (o) => text('SubscriptionArn', o.SubscriptionArn),
  },
  Unsubscribe: { decode: (p) => compact({ SubscriptionArn: p.string('SubscriptionArn') }) },
  ListSubscriptions: {
    decode: (p) => compact({ NextToken: p.string('NextToken') }),
    encode: (o) => members('Subscriptions', o.Subscriptions, subscription) + text('NextToken', o.NextToken),
  },
  ListSubscriptionsByTopic: {
    decode: (p) => compact({ TopicArn: p.string('TopicArn'), NextToken: p.string('NextToken') }),
    encode: (o) => members('Subscriptions', o.Subscriptions, subscription) + text('NextToken', o.NextToken),
  },
  GetSubscriptionAttributes: {
    decode: (p) => compact({ SubscriptionArn: p.string('SubscriptionArn') }),
    encode: (o) => entries('Attributes', o.Attributes),
  },
  SetSubscriptionAttributes: {
    decode: (p) =>
      compact({
        SubscriptionArn: p.string('SubscriptionArn'),
        AttributeName: p.string('AttributeName'),
        AttributeValue: p.string('AttributeValue'),
      }),
  },
  Publish: {
    decode: (p) =>
      compact({
        TopicArn: p.string('TopicArn'),
        TargetArn: p.string('TargetArn'),
        PhoneNumber: p.string('PhoneNumber'),
        ...publishMembers(p),
      }),
    encode: (o) => text('MessageId', o.MessageId) + text('SequenceNumber', o.SequenceNumber),
  },
  PublishBatch: {
    decode: (p) =>
      compact({
        TopicArn: p.string('TopicArn'),
        PublishBatchRequestEntries: p.has('PublishBatchRequestEntries')
          ? p.members('PublishBatchRequestEntries').map((entry) => compact({ Id: entry.string('Id'), ...publishMembers(entry) }))
          : undefined,
      }),
    encode: (o) =>
      members(
        'Successful',
        o.Successful,
        (s) => text('Id', s.Id) + text('MessageId', s.MessageId) + text('SequenceNumber', s.SequenceNumber),
      ) +
      members(
        'Failed',
        o.Failed,
        (f) => text('Id', f.Id) + text('Code', f.Code) + text('Message', f.Message) + text('SenderFault', f.SenderFault),
      ),
  },
  TagResource: { decode: (p) => compact({ ResourceArn: p.string('ResourceArn'), Tags: p.tags('Tags') }), encode: () => '' },
  UntagResource: {
    decode: (p) => compact({ ResourceArn: p.string('ResourceArn'), TagKeys: p.members('TagKeys').map((m) => m.value ?? '') }),
    encode: () => '',
  },
  ListTagsForResource: {
    decode: (p) => compact({ ResourceArn: p.string('ResourceArn') }),
    encode: (o) => members('Tags', o.Tags, (t) => text('Key', t.Key) + text('Value', t.Value)),
  },
};

function publishMembers(p: Params) {
  return {
    Message: p.string('Message'),
    Subject: p.string('Subject'),
    MessageStructure: p.string('MessageStructure'),
    MessageAttributes: p.messageAttributes('MessageAttributes'),
    MessageDeduplicationId: p.string('MessageDeduplicationId'),
    MessageGroupId: p.string('MessageGroupId'),
  };
}

function subscription(s: Record<string, unknown>): string {
  return (
    text('TopicArn', s.TopicArn) +
    text('Protocol', s.Protocol) +
    text('SubscriptionArn', s.SubscriptionArn) +
    text('Owner', s.Owner) +
    text('Endpoint', s.Endpoint)
  );
}

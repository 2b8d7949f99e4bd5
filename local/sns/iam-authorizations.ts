import {
  arnOf,
  arnOrName,
  type Input,
  type OperationContext,
  on,
  type ResourceOf,
  serviceIam,
  text,
  viaService,
} from '../iam/authorizations.js';

const topic: ResourceOf = (input, context) => arnOrName(input.TopicArn, (name) => arnOf('sns', context, name));
/** CreateTopic is authorized on the topic the name would have. */
const newTopic: ResourceOf = (input, context) => arnOf('sns', context, text(input.Name) ?? '*');
/** A subscription's operations are authorized on its topic: its ARN is the topic's with `:<id>` after it. */
const subscriptionTopic: ResourceOf = (input, context) => {
  const arn = text(input.SubscriptionArn);
  return arn && arn.split(':').length === 7 ? arn.split(':').slice(0, 6).join(':') : arnOf('sns', context, '*');
};
const tagged: ResourceOf = (input, context) => text(input.ResourceArn) ?? arnOf('sns', context, '*');

function publish(input: Input, context: OperationContext) {
  // Publish to a phone number (no topic or target) is authorized on `*`.
  const arn = text(input.TopicArn) ?? text(input.TargetArn) ?? (text(input.PhoneNumber) ? '*' : arnOf('sns', context, '*'));
  // SNS's encryption docs: a publisher to a topic with a customer key needs kms:GenerateDataKey and kms:Decrypt.
  const key = arn.startsWith('arn:aws:sns:') ? context.topicKmsKey?.(arn) : undefined;
  return [on('sns:Publish', arn), ...viaService('sns', ['kms:GenerateDataKey', 'kms:Decrypt'], key, context)];
}

/**
 * How IAM authorizes SNS's requests (its module declares it): each operation is the action of
 * its name on the topic it names (a subscription's topic); PublishBatch is sns:Publish.
 */
export const snsIam = serviceIam('sns', {
  // SNS's messages write the prefix in capitals ("is not authorized to perform: SNS:Publish on resource: ...").
  accessDenied: { code: 'AuthorizationError', status: 403, actionCase: 'upper-prefix', kms: { code: 'KMSAccessDenied', status: 400 } },
  unscoped: ['ListTopics', 'ListSubscriptions'],
  sameNamed: {
    CreateTopic: newTopic,
    DeleteTopic: topic,
    GetTopicAttributes: topic,
    SetTopicAttributes: topic,
    Subscribe: topic,
    ListSubscriptionsByTopic: topic,
    AddPermission: topic,
    RemovePermission: topic,
    GetDataProtectionPolicy: (input, context) => arnOrName(input.ResourceArn, (name) => arnOf('sns', context, name)),
    PutDataProtectionPolicy: (input, context) => arnOrName(input.ResourceArn, (name) => arnOf('sns', context, name)),
    ConfirmSubscription: topic,
    Unsubscribe: subscriptionTopic,
    GetSubscriptionAttributes: subscriptionTopic,
    SetSubscriptionAttributes: subscriptionTopic,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsForResource: tagged,
  },
  operations: { Publish: publish, PublishBatch: publish },
});

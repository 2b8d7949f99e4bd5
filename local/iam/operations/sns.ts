import { ANY, arnOf, type OperationContext, type OperationTable, on, sameNamed, text } from './shared.js';

const topic = (input: Record<string, unknown>, context: OperationContext) =>
  text(input.TopicArn) ?? text(input.TargetArn) ?? text(input.ResourceArn) ?? arnOf('sns', context, text(input.Name) ?? '*');
/** A subscription's ARN is its topic's followed by `:<id>`: IAM authorizes on the topic. */
const subscriptionTopic = (input: Record<string, unknown>, context: OperationContext) => {
  const arn = text(input.SubscriptionArn);
  return arn ? arn.split(':').slice(0, 6).join(':') : topic(input, context);
};

/** Publishing to a topic encrypted with a customer key needs kms:GenerateDataKey and kms:Decrypt (SNS's SSE docs). */
function publish(input: Record<string, unknown>, context: OperationContext) {
  const arn = topic(input, context);
  const key = context.topicKmsKey?.(arn);
  const via = { 'kms:ViaService': `sns.${context.region}.amazonaws.com` };
  return [on('sns:Publish', arn), ...(key ? [on('kms:GenerateDataKey', key, via), on('kms:Decrypt', key, via)] : [])];
}

/** SNS: the action of each operation's name on the topic; PublishBatch is sns:Publish. */
export const snsOperations: OperationTable = {
  ...sameNamed('sns', {
    CreateTopic: topic,
    DeleteTopic: topic,
    GetTopicAttributes: topic,
    SetTopicAttributes: topic,
    Subscribe: topic,
    ConfirmSubscription: topic,
    ListSubscriptionsByTopic: topic,
    AddPermission: topic,
    RemovePermission: topic,
    TagResource: topic,
    UntagResource: topic,
    ListTagsForResource: topic,
    GetDataProtectionPolicy: topic,
    PutDataProtectionPolicy: topic,
    Unsubscribe: subscriptionTopic,
    GetSubscriptionAttributes: subscriptionTopic,
    SetSubscriptionAttributes: subscriptionTopic,
    ListTopics: ANY,
    ListSubscriptions: ANY,
  }),
  Publish: publish,
  PublishBatch: publish,
};

import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  ListTagsForResourceCommand,
  type ListTagsForResourceCommandOutput,
  SetTopicAttributesCommand,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sns';
import { answerOf } from './recorded-compare.js';
import { type Answers, type Clients, createTopic, type Replay, uid } from './recorded-replays.js';

/** Topic CRUD: create (idempotent, tags), delete (idempotent), tags, DeliveryPolicy. */
const create = ({ sns }: Clients, Name: string, input: { Tags?: Tag[]; Attributes?: Record<string, string> } = {}) =>
  answerOf(sns.send(new CreateTopicCommand({ Name, ...input })));
const attributes = ({ sns }: Clients, TopicArn: string) => answerOf(sns.send(new GetTopicAttributesCommand({ TopicArn })));
const deleteTopic = ({ sns }: Clients, TopicArn: string) => answerOf(sns.send(new DeleteTopicCommand({ TopicArn })));

/** The test sorts the tags by key: AWS's order is not documented. */
async function listTags({ sns }: Clients, ResourceArn: string): Promise<Answers> {
  const answer = await answerOf(sns.send(new ListTagsForResourceCommand({ ResourceArn })));
  (answer.Tags as ListTagsForResourceCommandOutput['Tags'])?.sort((a, b) => ((a.Key ?? '') < (b.Key ?? '') ? -1 : 1));
  return answer;
}

const tags: Replay = async (clients) => {
  const { sns } = clients;
  const topicArn = await createTopic(clients);
  const tag = (Tags: Tag[]) => answerOf(sns.send(new TagResourceCommand({ ResourceArn: topicArn, Tags })));
  const answers: Answers = {
    'duplicate-key-error': await tag([
      { Key: 'k1', Value: 'v1' },
      { Key: 'k2', Value: 'v2' },
      { Key: 'k2', Value: 'v2' },
    ]),
  };
  await tag([
    { Key: 'k1', Value: 'v1' },
    { Key: 'k2', Value: 'v2' },
  ]);
  answers['list-created-tags'] = await listTags(clients, topicArn);
  await sns.send(new UntagResourceCommand({ ResourceArn: topicArn, TagKeys: ['k1'] }));
  answers['list-after-delete-tags'] = await listTags(clients, topicArn);
  await tag([{ Key: 'k2', Value: 'v2b' }]);
  answers['list-after-update-tags'] = await listTags(clients, topicArn);
  return answers;
};

const tagsRemovedAfterDeletion: Replay = async (clients) => {
  const name = `topic-${uid()}`;
  const topicArn = await createTopic(clients, name);
  await clients.sns.send(
    new TagResourceCommand({
      ResourceArn: topicArn,
      Tags: [
        { Key: 'k1', Value: 'v1' },
        { Key: 'k2', Value: 'v2' },
      ],
    }),
  );
  const answers: Answers = { 'list-created-tags': await listTags(clients, topicArn) };
  await deleteTopic(clients, topicArn);
  await createTopic(clients, name);
  answers['list-empty-tags'] = await listTags(clients, topicArn);
  return answers;
};

const createTopicTestArn: Replay = async (clients) => {
  const created = await create(clients, `topic-test-create-${uid()}`);
  const topicArn = created.TopicArn as string;
  const answers: Answers = { 'create-topic': created, 'get-topic-attrs': await attributes(clients, topicArn) };
  answers['delete-topic'] = await deleteTopic(clients, topicArn);
  answers['topic-not-exists'] = await attributes(clients, topicArn);
  return answers;
};

const deleteTopicIdempotency: Replay = async (clients) => {
  const topicArn = await createTopic(clients);
  const answers: Answers = { 'delete-topic': await deleteTopic(clients, topicArn) };
  const gone = await attributes(clients, topicArn);
  if (!gone.Error) throw new Error(`the deleted topic still answers: ${JSON.stringify(gone)}`);
  answers['delete-topic-again'] = await deleteTopic(clients, topicArn);
  return answers;
};

const createDuplicateTopicWithMoreTags: Replay = async (clients) => {
  const name = `test-duplicated-topic-more-tags-${uid()}`;
  await createTopic(clients, name);
  return { 'exception-duplicate': await create(clients, name, { Tags: [{ Key: 'key1', Value: 'value1' }] }) };
};

const createDuplicateTopicCheckIdempotency: Replay = async (clients) => {
  const name = `test-${uid()}`;
  const tagged = [
    { Key: 'a', Value: '1' },
    { Key: 'b', Value: '2' },
  ];
  const answers: Answers = { 'response-created': await create(clients, name, { Tags: tagged }) };
  for (const [index, Tags] of [tagged, [tagged[0] as Tag], []].entries())
    answers[`response-same-arn-${index}`] = await create(clients, name, { Tags });
  return answers;
};

const createTopicAfterDeleteWithNewTags: Replay = async (clients) => {
  const name = `test-${uid()}`;
  const first = await create(clients, name, { Tags: [{ Key: 'Name', Value: 'pqr' }] });
  await deleteTopic(clients, first.TopicArn as string);
  return { 'topic-0': first, 'topic-1': await create(clients, name, { Tags: [{ Key: 'Name', Value: 'abc' }] }) };
};

const topicDeliveryPolicyCrud: Replay = async (clients) => {
  const created = await create(clients, `topictest-${uid()}.fifo`, {
    Attributes: {
      DisplayName: 'TestTopic',
      SignatureVersion: '2',
      FifoTopic: 'true',
      DeliveryPolicy: JSON.stringify({ http: { defaultRequestPolicy: { headerContentType: 'application/json' } } }),
    },
  });
  const topicArn = created.TopicArn as string;
  const set = (AttributeValue: string) =>
    answerOf(clients.sns.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'DeliveryPolicy', AttributeValue })));
  const answers: Answers = { 'get-topic-attrs': await attributes(clients, topicArn) };
  answers['set-topic-attrs'] = await set(
    JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 5, maxDelayTarget: 6, numRetries: 1 } } }),
  );
  answers['get-topic-attrs-after-update'] = await attributes(clients, topicArn);
  answers['set-topic-attrs-none'] = await set(JSON.stringify({ http: { defaultHealthyRetryPolicy: null } }));
  answers['get-topic-attrs-after-none'] = await attributes(clients, topicArn);
  answers['set-topic-attrs-full-none'] = await set('');
  answers['get-topic-attrs-after-delete'] = await attributes(clients, topicArn);
  return answers;
};

const deleteNonExistentTopic: Replay = async (clients) => ({
  'delete-non-existent-topic': await deleteTopic(clients, `arn:aws:sns:us-east-1:000000000000:non-existent-${uid()}`),
});

const createTopicShouldBeIdempotent: Replay = async (clients) => {
  const name = `test-idempotent-${uid()}`;
  const topicArn = await createTopic(clients, name);
  await clients.sns.send(new SetTopicAttributesCommand({ TopicArn: topicArn, AttributeName: 'DisplayName', AttributeValue: 'AlreadySet' }));
  const answers: Answers = { 'topic-attrs-idempotent-1': await attributes(clients, topicArn) };
  answers['topic-attrs-idempotent-2'] = await attributes(clients, await createTopic(clients, name));
  return answers;
};

export const TOPIC_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSTopicCrud::test_tags': tags,
  'TestSNSTopicCrud::test_tags_removed_after_deletion': tagsRemovedAfterDeletion,
  'TestSNSTopicCrud::test_create_topic_test_arn': createTopicTestArn,
  'TestSNSTopicCrud::test_delete_topic_idempotency': deleteTopicIdempotency,
  'TestSNSTopicCrud::test_create_duplicate_topic_with_more_tags': createDuplicateTopicWithMoreTags,
  'TestSNSTopicCrud::test_create_duplicate_topic_check_idempotency': createDuplicateTopicCheckIdempotency,
  'TestSNSTopicCrud::test_create_topic_after_delete_with_new_tags': createTopicAfterDeleteWithNewTags,
  'TestSNSTopicCrud::test_topic_delivery_policy_crud': topicDeliveryPolicyCrud,
  'TestSNSTopicCrudV2::test_delete_non_existent_topic': deleteNonExistentTopic,
  'TestSNSTopicCrudV2::test_create_topic_should_be_idempotent': createTopicShouldBeIdempotent,
};

import {
  AddPermissionCommand,
  CreateQueueCommand,
  type CreateQueueCommandInput,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  RemovePermissionCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

const ALL = { AttributeNames: ['All' as const] };

/**
 * The recorded tests about queue attributes, creating a queue again, listing queues and
 * permissions, replayed call by call as tests/aws/services/sqs/test_sqs.py makes them (its
 * JSON-protocol `[sqs]` variant); each returns the answers by the recording's snapshot keys.
 */
export const ATTRIBUTE_CASES: Record<string, Replay> = {
  async 'test_create_and_update_queue_attributes[sqs]'({ call, queue }) {
    const QueueUrl = await queue({
      Attributes: { MessageRetentionPeriod: '604800', ReceiveMessageWaitTimeSeconds: '10', VisibilityTimeout: '20' },
    });
    const before = await call(new GetQueueAttributesCommand({ QueueUrl, ...ALL }));
    await call(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { MaximumMessageSize: '2048', VisibilityTimeout: '69', DelaySeconds: '420' } }),
    );
    return { get_queue_attributes: before, get_updated_queue_attributes: await call(new GetQueueAttributesCommand({ QueueUrl, ...ALL })) };
  },

  async 'test_set_queue_attributes_default_values[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const get = () => call(new GetQueueAttributesCommand({ QueueUrl, ...ALL }));
    const initial = await get();
    await call(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { KmsMasterKeyId: 'testKeyId', KmsDataKeyReusePeriodSeconds: '6000' } }),
    );
    const updated = await get();
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { KmsMasterKeyId: '', KmsDataKeyReusePeriodSeconds: '300' } }));
    return {
      'get-queue-attributes-initial-values': initial,
      'get-queue-attributes-after-update': updated,
      'get-queue-attributes-after-set-to-defaults': await get(),
    };
  },

  async 'test_fifo_set_content_based_deduplication_strategy[sqs]'({ call, queue, name }) {
    const QueueUrl = await queue({
      QueueName: `${name()}.fifo`,
      Attributes: { FifoQueue: 'true', SqsManagedSseEnabled: 'true', ContentBasedDeduplication: 'true' },
    });
    const before = await call(new GetQueueAttributesCommand({ QueueUrl, ...ALL }));
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { ContentBasedDeduplication: 'false' } }));
    return { 'before-update': before, 'after-update': await call(new GetQueueAttributesCommand({ QueueUrl, ...ALL })) };
  },

  async 'test_sse_queue_attributes[sqs]'({ call, queue }) {
    const AttributeNames = ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled'] as const;
    const kms = await queue();
    await call(
      new SetQueueAttributesCommand({
        QueueUrl: kms,
        Attributes: { KmsMasterKeyId: 'testKeyId', KmsDataKeyReusePeriodSeconds: '6000', SqsManagedSseEnabled: 'false' },
      }),
    );
    const sse = await queue();
    await call(new SetQueueAttributesCommand({ QueueUrl: sse, Attributes: { SqsManagedSseEnabled: 'true' } }));
    return {
      sse_kms_attributes: await call(new GetQueueAttributesCommand({ QueueUrl: kms, AttributeNames: [...AttributeNames] })),
      sse_sqs_attributes: await call(new GetQueueAttributesCommand({ QueueUrl: sse, AttributeNames: [...AttributeNames] })),
    };
  },

  async 'test_sse_kms_and_sqs_are_mutually_exclusive[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const answer = await call(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { KmsMasterKeyId: 'testKeyId', SqsManagedSseEnabled: 'true' } }),
    );
    // The test keeps the exception's text, as botocore words it.
    const error = answer.Error as { Code: string; Message: string } | undefined;
    return { error: error ? `An error occurred (${error.Code}) when calling the SetQueueAttributes operation: ${error.Message}` : answer };
  },

  // Recorded without answers: the test asserts that an empty RedrivePolicy removes the attribute.
  async 'test_set_empty_redrive_policy[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const deadLetterTargetArn = (await attributes(call, QueueUrl)).QueueArn as string;
    const hasRedrive = async () => 'RedrivePolicy' in (await attributes(call, QueueUrl));
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: '' } }));
    if (await hasRedrive()) throw new Error('an empty RedrivePolicy left one');
    const policy = JSON.stringify({ deadLetterTargetArn, maxReceiveCount: '42' });
    await check(call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: policy } })));
    if (!(await hasRedrive())) throw new Error('RedrivePolicy not set');
    await call(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: '' } }));
    if (await hasRedrive()) throw new Error('an empty RedrivePolicy left the one set before');
    return {};
  },

  // The test creates its queues through the sqs_create_queue fixture, in JSON.
  async 'test_create_queue_with_different_attributes_raises_exception[sqs]'({ call, json, name }) {
    const QueueName = name();
    const create = (Attributes?: Record<string, string>) => json(new CreateQueueCommand({ QueueName, Attributes }));
    const { QueueUrl } = await check(create({ ReceiveMessageWaitTimeSeconds: '1', DelaySeconds: '1' }));
    await sameUrl(create(), QueueUrl);
    await sameUrl(create({ DelaySeconds: '1' }), QueueUrl);
    const first = await create({ ReceiveMessageWaitTimeSeconds: '1', DelaySeconds: '2' });
    await call(new SetQueueAttributesCommand({ QueueUrl: QueueUrl as string, Attributes: { DelaySeconds: '2' } }));
    await sameUrl(create({ ReceiveMessageWaitTimeSeconds: '1', DelaySeconds: '2' }), QueueUrl);
    return { create_queue_01: first, create_queue_02: await create({ ReceiveMessageWaitTimeSeconds: '1', DelaySeconds: '1' }) };
  },

  async 'test_create_fifo_queue_with_different_attributes_raises_error[sqs]'({ json, name }) {
    const QueueName = `${name()}.fifo`;
    const create = (input: Partial<CreateQueueCommandInput>) => json(new CreateQueueCommand({ QueueName, ...input }));
    await check(create({ Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
    return { 'queue-already-exists': await create({ Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' } }) };
  },

  async test_list_queues_pagination({ call, name }) {
    // The recording's names, under a prefix of this run's own (the URLs are compared past it).
    const prefix = name();
    for (let i = 0; i < 10; i++) {
      const QueueName = `${prefix}-test-queue-${i}`;
      await check(call(new CreateQueueCommand({ QueueName })));
      await check(call(new GetQueueUrlCommand({ QueueName })));
    }
    const all = await call(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    const two = await call(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2 }));
    const rest = await call(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 10, NextToken: two.NextToken as string }));
    // The test replaces NextToken with the base64 of the last URL listed, as the recording's region and host show it.
    const asRecorded = (answer: Answer): Answer => ({
      ...answer,
      ...(answer.QueueUrls ? { QueueUrls: (answer.QueueUrls as string[]).map(recordedUrl(prefix)) } : {}),
      ...(answer.NextToken ? { NextToken: tokenOf(recordedUrl(prefix)(`${prefix}-test-queue-1`)) } : {}),
    });
    return { list_all: asRecorded(all), list_two_max: asRecorded(two), list_remaining: asRecorded(rest) };
  },

  async 'test_sqs_permission_lifecycle[sqs]'({ call, queue }) {
    const QueueUrl = await queue();
    const account = await accountOf(call, QueueUrl);
    const add = (AWSAccountIds: string[], Label: string) =>
      call(new AddPermissionCommand({ QueueUrl, AWSAccountIds, Actions: ['ReceiveMessage'], Label }));
    const remove = (Label: string) => call(new RemovePermissionCommand({ QueueUrl, Label }));
    const policy = async () => parsedAsSnapshot(await call(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] })));
    const added = await add([account, '668614515564'], 'crossaccountpermission');
    // As the test does: the other account's principal first (AWS keeps no order).
    const first = (await policy()) as { Attributes: { Policy: { Statement: { Principal: { AWS: string[] } }[] } } };
    first.Attributes.Policy.Statement[0]?.Principal.AWS.sort(
      (a, b) => Number(!a.includes('668614515564')) - Number(!b.includes('668614515564')),
    );
    const removed = await remove('crossaccountpermission');
    const afterRemoval = await policy();
    await check(add([account], 'crossaccountpermission'));
    const sameLabel = await policy();
    const secondSameLabel = await add(['668614515564'], 'crossaccountpermission');
    await check(add([account], 'crossaccountpermission2'));
    const differentLabel = await policy();
    await check(remove('crossaccountpermission'));
    const deleteFirst = await policy();
    await check(remove('crossaccountpermission2'));
    return {
      'add-permission-response': added,
      'get-queue-policy-attribute': first,
      'remove-permission-response': removed,
      'get-queue-policy-attribute-after-removal': afterRemoval,
      'get-queue-policy-attribute-first-account-same-label': sameLabel,
      'get-queue-policy-attribute-second-account-same-label': secondSameLabel,
      'get-queue-policy-attribute-second-account-different-label': differentLabel,
      'get-queue-policy-attribute-delete-first-permission': deleteFirst,
      'get-queue-policy-attribute-delete-second-permission': await policy(),
      'get-queue-policy-attribute-delete-non-existent-label': await remove('crossaccountpermission2'),
    };
  },
};

/** An answer that must not be an error (a step the test does not snapshot). */
async function check(pending: Promise<Answer>): Promise<Answer> {
  const answer = await pending;
  if ('Error' in answer) throw new Error(`unexpected error: ${JSON.stringify(answer.Error)}`);
  return answer;
}

async function sameUrl(pending: Promise<Answer>, url: unknown): Promise<void> {
  const { QueueUrl } = await check(pending);
  if (QueueUrl !== url) throw new Error(`CreateQueue answered ${String(QueueUrl)}, not ${String(url)}`);
}

async function attributes(call: ReplayContext['call'], QueueUrl: string): Promise<Record<string, string>> {
  return (await check(call(new GetQueueAttributesCommand({ QueueUrl, ...ALL })))).Attributes as Record<string, string>;
}

async function accountOf(call: ReplayContext['call'], QueueUrl: string): Promise<string> {
  return ((await attributes(call, QueueUrl)).QueueArn as string).split(':')[4] as string;
}

/** A live queue URL as the recording shows it: LocalStack's host for the region, the recordings' account, its own prefix. */
const recordedUrl = (prefix: string) => (url: string) =>
  `http://sqs.<region>.localhost.localstack.cloud:4566/111111111111/7f7df0f5${url.slice(url.lastIndexOf('/') + 1).slice(prefix.length)}`;

const tokenOf = (url: string) => Buffer.from(url, 'utf8').toString('base64');

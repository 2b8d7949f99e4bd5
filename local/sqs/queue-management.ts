import { type SqsContext, settingsOf } from './sqs-context.js';
import { invalidParameter, invalidParameterValue, missingParameter, queueDoesNotExist, SqsError } from './sqs-errors.js';
import type {
  CreateQueueInput,
  CreateQueueOutput,
  EmptyOutput,
  GetQueueAttributesInput,
  GetQueueAttributesOutput,
  GetQueueUrlInput,
  GetQueueUrlOutput,
  ListDeadLetterSourceQueuesInput,
  ListDeadLetterSourceQueuesOutput,
  ListQueuesInput,
  ListQueuesOutput,
  ListQueueTagsOutput,
  QueueAttributeMap,
  QueueUrlInput,
  SetQueueAttributesInput,
  TagQueueInput,
  UntagQueueInput,
} from './sqs-types.js';
import {
  COMPUTED_ATTRIBUTES,
  defaultAttributes,
  formatRedrivePolicy,
  integerParameter,
  knownAttributeNames,
  normalizeQueueAttributes,
  parseRedriveAllowPolicy,
  parseRedrivePolicy,
  validateQueueName,
} from './validation.js';

/**
 * Creating, configuring, listing, tagging, purging and deleting queues. A deleted queue's
 * name stays taken for a while and purges are rate-limited, as on AWS; both are remembered
 * in memory only, so a restart forgets them.
 */
export class QueueManagement {
  private readonly deletedQueueNames = new Map<string, number>();
  private readonly lastPurge = new Map<number, number>();

  constructor(
    private readonly context: SqsContext,
    private readonly deletedQueueNameCooldownMs: number,
  ) {}

  createQueue(input: CreateQueueInput): CreateQueueOutput {
    const name = input.QueueName;
    const fifo = String(input.Attributes?.FifoQueue ?? '').toLowerCase() === 'true';
    validateQueueName(name, fifo);
    const requested = normalizeQueueAttributes(input.Attributes, fifo, 'create');
    const arn = this.context.queueArn(name);
    if (requested.RedrivePolicy) requested.RedrivePolicy = this.checkRedrivePolicy(requested.RedrivePolicy, arn, fifo);

    const existing = this.context.queuesByName.get(name);
    if (existing) {
      for (const [attribute, value] of Object.entries(requested)) {
        const current = existing.attributes[attribute] ?? (attribute === 'FifoQueue' ? 'false' : '');
        if (current !== value) {
          throw new SqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${attribute}`,
          );
        }
      }
      return { QueueUrl: existing.url };
    }

    const deletedAt = this.deletedQueueNames.get(name);
    if (deletedAt !== undefined && this.context.clock.now() - deletedAt < this.deletedQueueNameCooldownMs) {
      throw new SqsError(
        'QueueDeletedRecently',
        'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
      );
    }
    const tags = checkTags(input.tags);
    const attributes = applySseRules({ ...defaultAttributes(fifo), ...dropEmpty(requested) }, requested);
    const now = this.context.clock.now();
    const { lastInsertRowid } = this.context.transaction(() => {
      this.context.tags.tag(arn, Object.entries(tags));
      return this.context.store.insertQueue.run(name, fifo ? 1 : 0, JSON.stringify(attributes), now, now);
    });
    const queue = this.context.queueFromRow({
      id: lastInsertRowid,
      name,
      fifo: fifo ? 1 : 0,
      attributes: JSON.stringify(attributes),
      created_at: now,
      modified_at: now,
    });
    this.context.cache(queue);
    if (attributes.Policy) this.context.onPolicyChange?.(queue.arn, attributes.Policy);
    return { QueueUrl: queue.url };
  }

  getQueueUrl(input: GetQueueUrlInput): GetQueueUrlOutput {
    if (!input.QueueName) throw missingParameter('QueueName');
    if (input.QueueOwnerAWSAccountId && input.QueueOwnerAWSAccountId !== this.context.accountId) throw queueDoesNotExist();
    const queue = this.context.queuesByName.get(input.QueueName);
    if (!queue) throw queueDoesNotExist();
    return { QueueUrl: queue.url };
  }

  listQueues(input: ListQueuesInput = {}): ListQueuesOutput {
    const prefix = input.QueueNamePrefix ?? '';
    const names = [...this.context.queuesByName.keys()].filter((name) => name.startsWith(prefix)).sort();
    const { page, nextToken } = paginate(names, input.NextToken, input.MaxResults);
    const output: ListQueuesOutput = { QueueUrls: page.map((name) => this.context.queueUrl(name)) };
    if (nextToken) output.NextToken = nextToken;
    return output;
  }

  getQueueAttributes(input: GetQueueAttributesInput): GetQueueAttributesOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const requested = input.AttributeNames ?? [];
    if (!Array.isArray(requested)) throw invalidParameter('AttributeNames must be a list of attribute names.');
    // FIFO-only names are not an error on a standard queue (tools probe FifoQueue on any queue); they are just absent.
    const known = knownAttributeNames(true);
    for (const name of requested) {
      if (name !== 'All' && !known.has(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    const all = requested.includes('All');
    const wanted = (name: string) => all || requested.includes(name);
    const attributes: QueueAttributeMap = {};
    for (const [name, value] of Object.entries(queue.attributes)) if (wanted(name)) attributes[name] = value;
    if (wanted('QueueArn')) attributes.QueueArn = queue.arn;
    if (wanted('CreatedTimestamp')) attributes.CreatedTimestamp = String(Math.floor(queue.createdAt / 1000));
    if (wanted('LastModifiedTimestamp')) attributes.LastModifiedTimestamp = String(Math.floor(queue.modifiedAt / 1000));
    const countNames = COMPUTED_ATTRIBUTES.filter((name) => name.startsWith('ApproximateNumberOf'));
    if (countNames.some(wanted)) {
      const now = this.context.clock.now();
      this.context.store.deleteExpired.run(queue.id, now - queue.settings.retentionMs);
      const counts = this.context.store.counts.get(now, queue.id);
      if (wanted('ApproximateNumberOfMessages')) attributes.ApproximateNumberOfMessages = String(counts?.visible ?? 0);
      if (wanted('ApproximateNumberOfMessagesNotVisible')) {
        attributes.ApproximateNumberOfMessagesNotVisible = String(counts?.inflight ?? 0);
      }
      if (wanted('ApproximateNumberOfMessagesDelayed')) {
        attributes.ApproximateNumberOfMessagesDelayed = String(counts?.delayed ?? 0);
      }
    }
    return { Attributes: attributes };
  }

  setQueueAttributes(input: SetQueueAttributesInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const changes = normalizeQueueAttributes(input.Attributes, queue.fifo, 'set');
    if (changes.RedrivePolicy) changes.RedrivePolicy = this.checkRedrivePolicy(changes.RedrivePolicy, queue.arn, queue.fifo);
    const attributes = { ...queue.attributes };
    for (const [name, value] of Object.entries(changes)) {
      if (value === '') delete attributes[name];
      else attributes[name] = value;
    }
    applySseRules(attributes, changes);
    const now = this.context.clock.now();
    this.context.store.updateQueue.run(JSON.stringify(attributes), now, queue.id);
    queue.attributes = attributes;
    queue.modifiedAt = now;
    queue.settings = settingsOf(attributes);
    if ('Policy' in changes) this.context.onPolicyChange?.(queue.arn, attributes.Policy);
    this.context.notify(queue);
    return {};
  }

  deleteQueue(input: QueueUrlInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    this.context.transaction(() => {
      this.context.store.deleteQueueMessages.run(queue.id);
      this.context.store.deleteQueueDedup.run(queue.id);
      this.context.store.deleteQueue.run(queue.id);
      // A queue created again under the name starts untagged.
      this.context.tags.forget(queue.arn);
    });
    this.context.queuesByName.delete(queue.name);
    this.context.queuesById.delete(queue.id);
    this.context.fairQueues.forget(queue.id);
    this.lastPurge.delete(queue.id);
    this.deletedQueueNames.set(queue.name, this.context.clock.now());
    if (queue.attributes.Policy) this.context.onPolicyChange?.(queue.arn, undefined);
    this.context.waiters.wake(queue.id);
    return {};
  }

  purgeQueue(input: QueueUrlInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const now = this.context.clock.now();
    const last = this.lastPurge.get(queue.id);
    if (last !== undefined && now - last < 60_000) {
      throw new SqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
    }
    this.context.store.deleteQueueMessages.run(queue.id);
    this.lastPurge.set(queue.id, now);
    return {};
  }

  tagQueue(input: TagQueueInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    this.context.tags.tag(queue.arn, Object.entries(checkTags({ ...this.context.tags.map(queue.arn), ...input.Tags })));
    return {};
  }

  untagQueue(input: UntagQueueInput): EmptyOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    this.context.tags.untag(queue.arn, input.TagKeys ?? []);
    return {};
  }

  listQueueTags(input: QueueUrlInput): ListQueueTagsOutput {
    return { Tags: this.context.tags.map(this.context.queueFromUrl(input.QueueUrl).arn) };
  }

  listDeadLetterSourceQueues(input: ListDeadLetterSourceQueuesInput): ListDeadLetterSourceQueuesOutput {
    const queue = this.context.queueFromUrl(input.QueueUrl);
    const sources = [...this.context.queuesByName.values()]
      .filter((source) => source.settings.redrive?.deadLetterTargetArn === queue.arn)
      .map((source) => source.name)
      .sort();
    const { page, nextToken } = paginate(sources, input.NextToken, input.MaxResults);
    const output: ListDeadLetterSourceQueuesOutput = { queueUrls: page.map((name) => this.context.queueUrl(name)) };
    if (nextToken) output.NextToken = nextToken;
    return output;
  }

  private checkRedrivePolicy(raw: string, sourceArn: string, fifo: boolean): string {
    const policy = parseRedrivePolicy(raw);
    const target = this.context.queueByArn(policy.deadLetterTargetArn);
    if (!target) throw invalidParameterValue('RedrivePolicy', raw, 'Dead letter target does not exist.');
    if (target.fifo !== fifo) {
      throw invalidParameterValue(
        'RedrivePolicy',
        raw,
        'Dead-letter queue must be the same type of queue (FIFO or standard) as the source queue.',
      );
    }
    const allow = parseRedriveAllowPolicy(target.attributes.RedriveAllowPolicy);
    if (
      allow &&
      (allow.redrivePermission === 'denyAll' || (allow.redrivePermission === 'byQueue' && !allow.sourceQueueArns?.includes(sourceArn)))
    ) {
      throw invalidParameterValue('RedrivePolicy', raw, "The dead-letter queue's RedriveAllowPolicy does not allow this source queue.");
    }
    return formatRedrivePolicy(policy);
  }
}

/** Empty strings clear Policy, RedrivePolicy and the like; on creation they mean "not set". */
function dropEmpty(attributes: QueueAttributeMap): QueueAttributeMap {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== ''));
}

/** SSE-SQS (on by default) and SSE-KMS exclude each other: choosing one turns the other off. */
function applySseRules(attributes: QueueAttributeMap, changes: QueueAttributeMap): QueueAttributeMap {
  if (changes.KmsMasterKeyId) {
    if (changes.SqsManagedSseEnabled === undefined) attributes.SqsManagedSseEnabled = 'false';
    attributes.KmsDataKeyReusePeriodSeconds ??= '300';
  } else if (changes.SqsManagedSseEnabled === 'true' || changes.KmsMasterKeyId === '') {
    delete attributes.KmsMasterKeyId;
    delete attributes.KmsDataKeyReusePeriodSeconds;
  }
  return attributes;
}

/** A queue's tags checked in SQS's words: keys of 1 to 128 characters, values of at most 256, at most 50 tags. */
function checkTags(tags: Record<string, string> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (key === '' || key.length > 128) throw invalidParameter(`Tag key ${key} is invalid. Tag keys must be 1 to 128 characters long.`);
    if (String(value).length > 256) throw invalidParameter(`Tag value for key ${key} must be at most 256 characters long.`);
    result[key] = String(value ?? '');
  }
  if (Object.keys(result).length > 50) throw invalidParameter('Too many tags added for queue. A queue can have at most 50 tags.');
  return result;
}

function paginate(names: string[], token: string | undefined, maxResults: number | undefined) {
  const limit = integerParameter('MaxResults', maxResults, 1, 1000, 'MaxResults must be an integer between 1 and 1000.');
  let start = 0;
  if (token) {
    let after: unknown;
    try {
      after = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown }).after;
    } catch {
      after = undefined;
    }
    if (typeof after !== 'string') throw invalidParameter('Invalid NextToken value.');
    start = names.findIndex((name) => name > after);
    if (start < 0) start = names.length;
  }
  const page = names.slice(start, start + (limit ?? 1000));
  const last = page.at(-1);
  // As on AWS, NextToken only appears when the caller paginates with MaxResults.
  const nextToken =
    limit !== undefined && last !== undefined && start + page.length < names.length
      ? Buffer.from(JSON.stringify({ after: last })).toString('base64')
      : undefined;
  return { page, nextToken };
}

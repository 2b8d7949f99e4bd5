import type { AwsError } from '../endpoint/aws-error.js';
import { messageSegment, parseTraceHeader } from '../endpoint/trace-header.js';
import { resourceNameIn } from '../names/arn.js';
import type { ReadRecorder } from '../read-api/read-api.js';
import type { StoredNode } from '../read-api/records.js';
import { apiOperations, type Operation, operationTable } from '../service-registry/operation-table.js';
import type { ServiceModule } from '../service-registry/service-module.js';
import { type QueueDefinition, queueDefinitions } from './definitions.js';
import { sqsIam } from './iam-authorizations.js';
import { validateSqsJsonInput } from './input-validation.js';
import { SqsQueryProtocol } from './query-protocol.js';
import { queueMessagesReads } from './read-routes.js';
import { SQS_RESOURCE_POLICIES } from './resource-policies.js';
import { SQS_TYPE_SPECS } from './resource-types.js';
import type { MessageNote } from './sqs-context.js';
import { queryErrorHeader, SqsError } from './sqs-errors.js';
import { SqsService } from './sqs-service.js';
import { queueReport } from './startup-lines.js';
import { sqsStepFunctions } from './step-functions.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    sqs: SqsService;
  }
}

/** Its notes to the read API (local/read-api/read-notes.ts). */
declare module '../read-api/read-notes.js' {
  interface ReadNotes {
    /** SQS stored a message, or moved one to a dead-letter queue; `toDeadLetterQueue`: the queue it was sent to is one. */
    message: { readonly note: MessageNote; readonly toDeadLetterQueue: boolean };
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    sqs: 'sqs';
  }
}

declare module '../service-registry/service-definitions.js' {
  interface ServiceDefinitions {
    readonly queues: readonly QueueDefinition[];
  }
}

/** SQS: the template's queues, created (or brought up to date) when the runtime starts. */
export const sqsModule: ServiceModule<'sqs'> = {
  name: 'sqs',
  iam: sqsIam,
  stepFunctions: sqsStepFunctions,
  // The operations it serves are SqsService's methods (the endpoint's table of them is operationTable's).
  apis: [{ model: 'sqs', operations: apiOperations(SqsService), protocolFromModel: true }],
  sdkClients: [{ package: '@aws-sdk/client-sqs', serviceId: 'SQS' }],
  needs: ['template', 'readApi', 'traces', 'iam'],
  databases: ['sqs'],
  // Queue policies are IAM's (local/iam/policy-store.ts): SQS has nothing of them to run.
  resourceTypes: SQS_TYPE_SPECS,
  resourcePolicies: SQS_RESOURCE_POLICIES,
  // A new queue is created, a changed one takes its new attributes; its messages stay.
  reloads: { types: ['AWS::SQS::Queue'] },
  shares: (byType) => ({ queues: queueDefinitions(byType) }),
  records: (recorder) => ({ message: ({ note, toDeadLetterQueue }) => recordMessage(recorder, note, toDeadLetterQueue) }),
  create({ settings, database, services }) {
    const { clock, url, accountId, region } = settings;
    const readApi = services.get('readApi');
    const { spans } = services.get('traces');
    const { definitions, deadLetterQueues } = services.get('template');
    const iam = services.get('iam');
    const sqs = new SqsService({
      db: database('sqs'),
      clock,
      baseUrl: url,
      accountId,
      region,
      onMessage: (note) => {
        // A rule target's dead-letter queue (the template's) or some queue's (its RedrivePolicy): a message sent to it is a dead letter.
        readApi.record('message', { note, toDeadLetterQueue: deadLetterQueues.has(note.queueArn) || sqs.isDeadLetterQueue(note.queueArn) });
        spans.message(note);
      },
      // A policy set through the API is the queue's policy for IAM too, as on AWS (the template's QueuePolicy until then).
      onPolicyChange: (queueArn, policy) => iam.setResourcePolicy(queueArn, policy),
    });
    return {
      service: sqs,
      mounts: {
        json: [
          {
            targetPrefix: 'AmazonSQS',
            jsonVersion: '1.0',
            errorNamespace: 'com.amazonaws.sqs',
            operations: sqsOperations(sqs),
            errorHeaders: (error: AwsError) => ({ 'x-amzn-query-error': queryErrorHeader(error) }),
            validate: validateSqsJsonInput,
          },
        ],
        query: [new SqsQueryProtocol(sqs)],
        reads: queueMessagesReads(sqs),
      },
      start: async () => {
        for (const queue of definitions.queues) await ensureQueue(sqs, queue);
        // Policies set through the API before a restart hold again.
        for (const { queueArn, policy } of sqs.queuePolicies()) iam.setResourcePolicy(queueArn, policy);
      },
      reload: async ({ definitions, before }) => {
        const reloaded: string[] = [];
        for (const queue of definitions.queues) {
          const old = before.definitions.queues.find((q) => q.name === queue.name);
          // Its tags are the template's again at each synthesis, as a Lambda function's are.
          if (old !== undefined && JSON.stringify([old.attributes, old.tags]) === JSON.stringify([queue.attributes, queue.tags])) {
            sqs.setTemplateTags(queue.name, queue.tags);
            continue;
          }
          await ensureQueue(sqs, queue);
          reloaded.push(`queue ${queue.name}${old === undefined ? ' (new)' : ''}`);
        }
        return { reloaded };
      },
      stop: () => sqs.close(),
    };
  },
  report: (_sqs, { url, accountId, definitions }) =>
    queueReport(
      definitions.queues,
      url,
      accountId,
      definitions.functions.flatMap(({ asyncConfig: c }) =>
        [c?.onSuccess, c?.onFailure, c?.deadLetterArn].filter((arn) => arn !== undefined),
      ),
    ),
};

/** The SqsService's API operations by name, for the endpoint, answering as AWS's JSON protocol does. */
function sqsOperations(sqs: SqsService): Record<string, Operation> {
  return operationTable(sqs, SqsService, (method) => async (input: never) => withoutEmptyCollections(await method(input)));
}

/**
 * The answer as AWS's JSON protocol sends it: a list or map member that is empty is left
 * out (an empty ReceiveMessage is `{}`, not `{"Messages":[]}`; ListQueueTags of an untagged
 * queue, a batch with no failures, ListQueues with no queues likewise; recorded on AWS).
 * The service's own callers in the process keep the empty lists, which are easier to use.
 */
function withoutEmptyCollections(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return output;
  const empty = (value: unknown) =>
    Array.isArray(value) ? value.length === 0 : typeof value === 'object' && value !== null && Object.keys(value).length === 0;
  return Object.fromEntries(Object.entries(output).filter(([, value]) => !empty(value)));
}

/** Creates a queue from the template, or brings an existing one's attributes and tags up to date after a template change. */
async function ensureQueue(sqs: SqsService, queue: QueueDefinition): Promise<void> {
  try {
    await sqs.CreateQueue({ QueueName: queue.name, Attributes: queue.attributes });
  } catch (error) {
    if (!(error instanceof SqsError) || error.code !== 'QueueNameExists') throw error;
    const { FifoQueue: _fifo, ...settable } = queue.attributes;
    await sqs.SetQueueAttributes({ QueueUrl: sqs.queueUrl(queue.name), Attributes: settable });
  }
  sqs.setTemplateTags(queue.name, queue.tags);
}

/**
 * Records in the read API a message SQS stored, or moved to a dead-letter queue. `toDeadLetterQueue`: the queue
 * it was sent to is a dead-letter queue (SQS knows, and the template's rule targets say).
 */
function recordMessage({ records, publish }: ReadRecorder, note: MessageNote, toDeadLetterQueue: boolean): void {
  const queue = resourceNameIn(note.queueArn);
  if (note.kind === 'dead-lettered') {
    const reason = `received ${note.receiveCount} times from ${resourceNameIn(note.sourceQueueArn)} (maxReceiveCount)`;
    records.putNode(
      {
        kind: 'dead-letter',
        id: note.messageId,
        segment: messageSegment(note.messageId),
        label: `moved to ${queue}`,
        time: note.time,
        status: 'dead-lettered',
        reason,
        attributes: { queue, queueArn: note.queueArn, sourceQueueArn: note.sourceQueueArn },
      },
      [messageSegment(note.messageId)],
    );
    publish({ kind: 'dead-letter', queueArn: note.queueArn, messageId: note.messageId, reason });
    return;
  }
  const parent = parseTraceHeader(note.traceHeader)?.parent;
  const deadLetter = toDeadLetterQueue;
  const reason = deadLetter ? reasonIn(note.attributes) : undefined;
  // A dead-letter sent by a consumer names the message it gave up on: it hangs under that message too.
  const named = originalMessageIn(note.attributes);
  const original = deadLetter ? named : undefined;
  // A message that names one a consumer gave up on, sent anywhere but a dead-letter queue, is
  // that dead letter sent back (a redrive copies its attributes): the journey goes on under it.
  const sentBack = !deadLetter && named !== undefined ? deadLetterOf(records, named, note.time) : undefined;
  const from = sentBack?.attributes?.queue;
  records.putNode(
    {
      kind: deadLetter ? 'dead-letter' : 'message',
      id: note.messageId,
      segment: messageSegment(note.messageId),
      label: deadLetter ? `sent to dead-letter queue ${queue}` : `message to ${queue}${from ? `, sent back from ${from}` : ''}`,
      time: note.time,
      status: deadLetter ? 'dead-lettered' : 'sent',
      ...(reason ? { reason } : {}),
      attributes: { queue, queueArn: note.queueArn },
    },
    [...(parent ? [parent] : []), ...(original ? [messageSegment(original)] : []), ...(sentBack ? [messageSegment(sentBack.id)] : [])],
  );
  if (deadLetter) {
    publish({ kind: 'dead-letter', queueArn: note.queueArn, messageId: note.messageId, ...(reason ? { reason } : {}) });
  }
}

/** The newest dead letter recorded for the message `original` by `time`. */
function deadLetterOf(records: ReadRecorder['records'], original: string, time: number): StoredNode | undefined {
  return records
    .children(messageSegment(original))
    .filter((node) => node.kind === 'dead-letter' && node.time <= time)
    .sort((a, b) => a.time - b.time)
    .at(-1);
}

/**
 * Why a message was dead-lettered, from its attributes: EventBridge's `ERROR_CODE` and
 * `ERROR_MESSAGE`, or any `...ErrorName` / `...ErrorMessage` pair a consumer set.
 */
function reasonIn(attributes: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!attributes) return undefined;
  const find = (pattern: RegExp) => Object.entries(attributes).find(([name]) => pattern.test(name))?.[1];
  const code = find(/error[._-]?(code|name|type)$/i);
  const message = find(/error[._-]?message$/i);
  return [code, message].filter(Boolean).join(': ') || undefined;
}

/** The id of the message a consumer dead-lettered, when it named it (`...OriginalMessageId`). */
function originalMessageIn(attributes: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!attributes) return undefined;
  return Object.entries(attributes).find(([name]) => /original[._-]?message[._-]?id$/i.test(name))?.[1];
}

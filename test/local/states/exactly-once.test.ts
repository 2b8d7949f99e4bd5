import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbHost } from '../../../local/dynamodb/dynamodb-host.js';
import { sdkDynamoDb } from '../../../local/dynamodb/step-functions.js';
import type { EventsService } from '../../../local/events/events-service.js';
import { SnsService } from '../../../local/sns/sns-service.js';
import { SqsService } from '../../../local/sqs/sqs-service.js';
import type { HistoryEvent } from '../../../local/states/engine/index.js';
import { ExecutionStore } from '../../../local/states/execution-store.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { undeliveringBus } from '../events/undelivering-bus.js';
import { dynamoDbClient } from '../helpers.js';
import { ACCOUNT, createMachine, createStates, executionArn, finished, historyTypes, REGION, type TestStates } from './helpers.js';

/**
 * A STANDARD execution's task whose effect a local service accepted just before the
 * runtime died, its TaskSucceeded not yet in the history: the resumed task must not
 * do it again (Step Functions: "tasks and states are never run more than once, unless
 * you have specified Retry behavior"). The kill is simulated at that very point: the
 * first process stops, recording nothing more, as the task's TaskSucceeded is written.
 */

const HUB = { name: 'hub', arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/hub` };
const QUEUE_URL = `http://127.0.0.1:4566/${ACCOUNT}/done`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:done`;

let dir: string;
let clock: ManualClock;
/** Every event the hub accepted, in any life of the runtime. */
let accepted: string[];
const cleanup: (() => unknown)[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'states-exactly-once-'));
  clock = new ManualClock();
  accepted = [];
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const fn of cleanup.splice(0).reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

/** One life of the runtime: the services on the data folder's databases, Step Functions started last (it resumes). */
type Life = { t: TestStates; sqs: SqsService; events: EventsService; sns: SnsService; dynamodb?: DynamoDbHost };

/** One life of the runtime; with `dynamodb`, DynamoDB's engine thread too (its start is slow: only the cases that use it). */
async function life(options: { dynamodb?: boolean } = {}): Promise<Life> {
  const db = (name: string): DatabaseSync => {
    const opened = openDatabase(path.join(dir, `${name}.sqlite`));
    cleanup.push(() => opened.isOpen && opened.close());
    return opened;
  };
  const sqs = new SqsService({ db: db('sqs'), clock, baseUrl: 'http://127.0.0.1:4566', accountId: ACCOUNT, region: REGION });
  cleanup.push(() => sqs.close());
  await sqs.CreateQueue({ QueueName: 'done' });
  const events = undeliveringBus({
    db: db('events'),
    clock,
    accountId: ACCOUNT,
    region: REGION,
    buses: [HUB],
    onEvent: (_bus, event) => accepted.push(event.id),
  });
  const sns = new SnsService({
    db: db('sns'),
    clock,
    accountId: ACCOUNT,
    region: REGION,
    baseUrl: 'http://127.0.0.1:4566',
    topics: [{ name: 'done', arn: TOPIC_ARN, attributes: {}, tags: {} }],
    subscriptions: [
      {
        arn: `${TOPIC_ARN}:s1`,
        topicArn: TOPIC_ARN,
        protocol: 'sqs',
        endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT}:done`,
        attributes: { RawMessageDelivery: 'true' },
      },
    ],
    sqs,
    lambda: { invokeAsync: async () => ({ requestId: 'r' }) },
  });
  sns.start();
  cleanup.push(() => sns.stop());
  // DynamoDB's engine thread, as the runtime runs it: keyed requests carry the host's token.
  const dynamodb = options.dynamodb ? await DynamoDbHost.start({ folder: dir }) : undefined;
  const forTasks = dynamodb && sdkDynamoDb({ endpoint: dynamodb.url, region: REGION, idempotencyToken: dynamodb.idempotencyToken });
  if (dynamodb && forTasks)
    cleanup.push(
      () => dynamodb.stop(),
      () => forTasks.destroy(),
    );
  const t = await createStates({ file: path.join(dir, 'states.sqlite'), clock, neighbours: { sqs, events, sns }, dynamodb: forTasks });
  cleanup.push(() => t.close());
  return { t, sqs, events, sns, dynamodb };
}

/**
 * Kills the life `t` runs in once the first TaskSucceeded is handed to the store: the
 * service stops there and records nothing more, as a SIGKILL would leave it.
 */
function killAtFirstTaskSucceeded(t: TestStates): Promise<void> {
  const queue = ExecutionStore.prototype.queueEvent;
  return new Promise((resolve) => {
    vi.spyOn(ExecutionStore.prototype, 'queueEvent').mockImplementation(function (this: ExecutionStore, arn: string, event: HistoryEvent) {
      if (event.type !== 'TaskSucceeded') return queue.call(this, arn, event);
      vi.restoreAllMocks();
      resolve(t.close());
    });
  });
}

/** Runs a one-Task STANDARD machine, killed after the task's effect, then resumed by a second life; answers that life and the execution. */
async function runKilledAndResumed(
  task: Record<string, unknown>,
  setup?: (t: TestStates, services: Life) => Promise<unknown>,
  options: { dynamodb?: boolean } = {},
) {
  const first = await life(options);
  await setup?.(first.t, first);
  await createMachine(first.t.states, 'flow', { StartAt: 'Announce', States: { Announce: { Type: 'Task', End: true, ...task } } });
  const killed = killAtFirstTaskSucceeded(first.t);
  await first.t.states.StartExecution({ stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:flow`, name: 'e1' });
  await killed;
  await first.dynamodb?.stop();
  const arn = executionArn('flow', 'e1');
  const second = await life(options);
  const described = await finished(second.t.states, arn);
  return { second, arn, described };
}

/** The ledger table of the DynamoDB cases, with its fees item at 0. */
async function ledger(host: DynamoDbHost): Promise<void> {
  const client = dynamoDbClient(host.url);
  await client.send(new CreateTableCommand(tableInput('ledger', { key: { pk: 'S' } })));
  await client.send(new PutItemCommand({ TableName: 'ledger', Item: { pk: { S: 'fees' }, paid: { N: '0' } } }));
  client.destroy();
}

async function feesPaid(host: DynamoDbHost): Promise<string | undefined> {
  const client = dynamoDbClient(host.url);
  const { Item } = await client.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'fees' } } }));
  client.destroy();
  return Item?.paid?.N;
}

const ADD_ONE = {
  TableName: 'ledger',
  Key: { pk: { S: 'fees' } },
  UpdateExpression: 'ADD paid :one',
  ExpressionAttributeValues: { ':one': { N: '1' } },
  ReturnValues: 'UPDATED_NEW',
};

async function messagesIn(sqs: SqsService): Promise<number> {
  const { Attributes } = await sqs.GetQueueAttributes({ QueueUrl: QUEUE_URL, AttributeNames: ['ApproximateNumberOfMessages'] });
  return Number(Attributes?.ApproximateNumberOfMessages);
}

describe('StatesService exactly-once tasks across a crash', () => {
  it('puts the events of an events:putEvents task once when the runtime died after the bus accepted them', async () => {
    const { second, arn, described } = await runKilledAndResumed({
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: { Entries: [{ EventBusName: 'hub', Source: 'switchyard.test', DetailType: 'Done', Detail: { ok: true } }] },
    });
    expect(described.status).toBe('SUCCEEDED');
    expect(accepted).toHaveLength(1);
    // The resumed task answers what the bus answered the first time.
    expect(JSON.parse(described.output ?? '{}')).toEqual({ Entries: [{ EventId: accepted[0] }], FailedEntryCount: 0 });
    expect((await historyTypes(second.t.states, arn)).filter((type) => type === 'TaskSucceeded')).toHaveLength(1);
  });

  it('sends the message of an sqs:sendMessage task once when the runtime died after SQS took it', async () => {
    const { second, described } = await runKilledAndResumed({
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: { QueueUrl: QUEUE_URL, MessageBody: { ok: true } },
    });
    expect(described.status).toBe('SUCCEEDED');
    expect(await messagesIn(second.sqs)).toBe(1);
    const { Messages } = await second.sqs.ReceiveMessage({ QueueUrl: QUEUE_URL });
    expect(JSON.parse(described.output ?? '{}').MessageId).toBe(Messages?.[0]?.MessageId);
  });

  it('sends the message of an aws-sdk:sqs:sendMessage task once when the runtime died after SQS took it', async () => {
    const { second, described } = await runKilledAndResumed({
      Resource: 'arn:aws:states:::aws-sdk:sqs:sendMessage',
      Parameters: { QueueUrl: QUEUE_URL, MessageBody: 'done' },
    });
    expect(described.status).toBe('SUCCEEDED');
    expect(await messagesIn(second.sqs)).toBe(1);
  });

  it('publishes the message of an sns:publish task once when the runtime died after SNS took it', async () => {
    const { second, described } = await runKilledAndResumed({
      Resource: 'arn:aws:states:::sns:publish',
      Parameters: { TopicArn: TOPIC_ARN, Message: 'done' },
    });
    expect(described.status).toBe('SUCCEEDED');
    await second.sns.idle();
    expect(await messagesIn(second.sqs)).toBe(1);
  });

  it.each([
    ['dynamodb:updateItem', 'arn:aws:states:::dynamodb:updateItem'],
    ['aws-sdk:dynamodb:updateItem', 'arn:aws:states:::aws-sdk:dynamodb:updateItem'],
  ])('applies the update of a %s task once when the runtime died after DynamoDB made it', async (_, Resource) => {
    const { second, described } = await runKilledAndResumed(
      { Resource, Parameters: ADD_ONE },
      (_t, { dynamodb }) => ledger(dynamodb as DynamoDbHost),
      {
        dynamodb: true,
      },
    );
    expect(described.status).toBe('SUCCEEDED');
    expect(await feesPaid(second.dynamodb as DynamoDbHost)).toBe('1');
    // The resumed task answers what DynamoDB answered the first time.
    expect(JSON.parse(described.output ?? '{}').Attributes).toEqual({ paid: { N: '1' } });
  });

  it('starts the child of a states:startExecution task once when the runtime died after the child started', async () => {
    const { second, described } = await runKilledAndResumed(
      {
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: { StateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:child` },
      },
      (t) => createMachine(t.states, 'child', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
    );
    expect(described.status).toBe('SUCCEEDED');
    const children = await second.t.states.ListExecutions({ stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:child` });
    expect(children.executions).toHaveLength(1);
    expect(JSON.parse(described.output ?? '{}').ExecutionArn).toBe(children.executions[0]?.executionArn);
  });

  it('puts the events of each entry into the state: a key names one attempt of one entry, not the state', async () => {
    const { t } = await life();
    const stateMachineArn = await createMachine(t.states, 'each', {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          End: true,
          ItemProcessor: {
            StartAt: 'Announce',
            States: {
              Announce: {
                Type: 'Task',
                Resource: 'arn:aws:states:::events:putEvents',
                Parameters: { Entries: [{ EventBusName: 'hub', Source: 'switchyard.test', DetailType: 'Done', Detail: {} }] },
                Retry: [{ ErrorEquals: ['EventBridge.FailedEntry'], MaxAttempts: 1 }],
                End: true,
              },
            },
          },
        },
      },
    });
    const { executionArn: arn } = await t.states.StartExecution({ stateMachineArn, input: '[1, 2, 3]' });
    expect((await finished(t.states, arn)).status).toBe('SUCCEEDED');
    expect(accepted).toHaveLength(3);
  });
});

import type { DatabaseSync } from 'node:sqlite';
import { vi } from 'vitest';
import type { DynamoDbForTasks, DynamoDbOperation } from '../../../local/dynamodb/step-functions.js';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { PutEventsEntry } from '../../../local/events/step-functions.js';
import type { InvokeOutcome } from '../../../local/lambda/runtime/function-runtime.js';
import { queueDoesNotExist } from '../../../local/sqs/sqs-errors.js';
import type { Sleep } from '../../../local/states/engine/index.js';
import { type StateMachineTemplate, StatesService, type StatesServiceOptions } from '../../../local/states/states-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { type Clock, ManualClock } from '../../../local/time/clock.js';
import { TASK_INTEGRATIONS } from './integrations.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/states`;

export const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
export const executionArn = (machine: string, name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:${name}`;

type FakeInvokeOptions = {
  readonly throttle?: boolean;
  readonly signal?: AbortSignal;
  readonly durableExecutionName?: string;
  readonly captureLog?: boolean;
};

/** Lambda that answers with what `handler` returns, or fails with what it throws (errorType = the error's name). */
export class FakeLambda {
  readonly calls: { name: string; event: unknown }[] = [];
  handler: (name: string, event: unknown) => unknown | Promise<unknown> = () => ({ ok: true });
  /** The options of each call, in order (`throttle` for the synchronous invocations of tasks, and the task's `signal`). */
  readonly options: (FakeInvokeOptions | undefined)[] = [];
  /** The invocation's log lines, answered to a call that captures them (Invoke's `LogType: Tail`). */
  logLines: string[] = ['START RequestId: r Version: $LATEST', 'END RequestId: r'];

  async invoke(name: string, event: unknown, options?: FakeInvokeOptions): Promise<InvokeOutcome> {
    this.calls.push({ name, event });
    this.options.push(options);
    const short = name.split(':')[6] ?? name;
    if (short === 'missing') throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
    try {
      const result = await this.handler(short, event);
      const payload = typeof result === 'string' ? result : JSON.stringify(result);
      return { ok: true, payload, requestId: 'r', ...(options?.captureLog ? { logLines: this.logLines } : {}) };
    } catch (error) {
      // An error with a `payload` is one whose runtime wrote it so (Python's).
      const e = error as Error & { payload?: string };
      const failed = { errorType: e.name, errorMessage: e.message, trace: [`${e.name}: ${e.message}`] };
      return { ok: false, error: failed, requestId: 'r', ...(e.payload === undefined ? {} : { payload: e.payload }) };
    }
  }
}

export class FakeSqs {
  readonly sent: { QueueUrl: string; MessageBody: string; [key: string]: unknown }[] = [];
  readonly queues = new Set(['tickets']);

  async GetQueueUrl(input: { QueueName: string }) {
    if (!this.queues.has(input.QueueName)) throw queueDoesNotExist();
    return { QueueUrl: `http://127.0.0.1:4566/${ACCOUNT}/${input.QueueName}` };
  }

  async SendMessage(input: { QueueUrl: string; MessageBody: string }) {
    this.sent.push(input);
    return { MessageId: `m-${this.sent.length}`, MD5OfMessageBody: 'md5' };
  }

  /** The last message's body, parsed. */
  lastBody(): Record<string, unknown> {
    return JSON.parse(this.sent[this.sent.length - 1]?.MessageBody ?? 'null') as Record<string, unknown>;
  }
}

/** EventBridge: PutEvents for tasks, putServiceEvent for status changes. */
export class FakeEvents {
  readonly put: PutEventsEntry[] = [];
  readonly serviceEvents: {
    bus: string;
    event: { source: string; 'detail-type': string; resources: readonly string[]; detail: unknown };
  }[] = [];
  failSources = new Set<string>();

  async PutEvents(input: { Entries?: PutEventsEntry[] }) {
    const entries = (input.Entries ?? []).map((entry) => {
      if (entry.Source && this.failSources.has(entry.Source))
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid.' };
      this.put.push(entry);
      return { EventId: `ev-${this.put.length}` };
    });
    return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
  }

  putServiceEvent(bus: string, event: { source: string; 'detail-type': string; resources: readonly string[]; detail: unknown }) {
    this.serviceEvents.push({ bus, event });
  }

  statuses(executionArn?: string): string[] {
    return this.serviceEvents
      .map((e) => e.event.detail as { executionArn: string; status: string })
      .filter((d) => executionArn === undefined || d.executionArn === executionArn)
      .map((d) => d.status);
  }
}

/** DynamoDB items in memory, keyed by table and the item's key attributes as given. */
export class FakeDynamoDb implements DynamoDbForTasks {
  readonly calls: { operation: DynamoDbOperation; input: Record<string, unknown> }[] = [];
  readonly items = new Map<string, Record<string, unknown>>();

  async send(operation: DynamoDbOperation, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.calls.push({ operation, input });
    const table = String(input.TableName);
    if (table === 'missing')
      throw Object.assign(new Error('Requested resource not found'), {
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
    const key = (k: unknown) => `${table}/${JSON.stringify(k)}`;
    switch (operation) {
      case 'GetItem': {
        const item = this.items.get(key(input.Key));
        return item ? { Item: item } : {};
      }
      case 'PutItem': {
        const item = input.Item as Record<string, unknown>;
        const id = key({ id: item.id });
        if (input.ConditionExpression === 'attribute_not_exists(id)' && this.items.has(id)) {
          throw Object.assign(new Error('The conditional request failed'), {
            name: 'ConditionalCheckFailedException',
            $metadata: { httpStatusCode: 400 },
          });
        }
        this.items.set(id, item);
        return {};
      }
      default:
        return {};
    }
  }
}

export interface TestStates {
  states: StatesService;
  db: DatabaseSync;
  clock: ManualClock;
  lambda: FakeLambda;
  sqs: FakeSqs;
  events: FakeEvents;
  dynamodb: FakeDynamoDb;
  /** Stops the service as a crash would (nothing recorded) and closes the database. */
  close(): Promise<void>;
}

/** A waits-at-once sleep: Wait states and retries take no real time. */
export const noSleep: Sleep = async () => {};

/** A service with fake neighbours on a fresh database (`:memory:` unless a file is given), started. */
export async function createStates(
  options: {
    file?: string;
    clock?: ManualClock;
    sleep?: Sleep;
    timer?: Sleep;
    stateMachines?: StateMachineTemplate[];
    /** A real DynamoDB instead of the fake. */
    dynamodb?: DynamoDbForTasks;
    /** Real neighbours instead of the fakes, and more, by module name (`sns`): what their tasks call. */
    neighbours?: StatesServiceOptions['services'];
    /** IAM for the executions' roles (AWS's message for a refused task, or undefined). */
    authorizeTask?: StatesServiceOptions['authorizeTask'];
  } = {},
): Promise<TestStates> {
  const clock = options.clock ?? new ManualClock();
  const db = openDatabase(options.file ?? ':memory:');
  const lambda = new FakeLambda();
  const sqs = new FakeSqs();
  const events = new FakeEvents();
  const dynamodb = new FakeDynamoDb();
  const states = new StatesService({
    db,
    accountId: ACCOUNT,
    region: REGION,
    clock: clock as Clock,
    stateMachines: options.stateMachines,
    integrations: TASK_INTEGRATIONS,
    // In this order, the order the runner lists their AWS SDK integrations in.
    services: { sqs, events, lambda, dynamodb: options.dynamodb ?? dynamodb, ...options.neighbours },
    statusEvents: events,
    ...(options.authorizeTask ? { authorizeTask: options.authorizeTask } : {}),
    sleep: options.sleep ?? noSleep,
    timer: options.timer,
  });
  await states.start();
  let closed = false;
  return {
    states,
    db,
    clock,
    lambda,
    sqs,
    events,
    dynamodb,
    async close() {
      if (closed) return;
      closed = true;
      await states.close();
      db.close();
    },
  };
}

/** Creates a machine from a definition object; returns its ARN. */
export async function createMachine(
  states: StatesService,
  name: string,
  definition: object,
  type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
): Promise<string> {
  const { stateMachineArn } = await states.CreateStateMachine({ name, definition: JSON.stringify(definition), roleArn: ROLE, type });
  return stateMachineArn;
}

/** Waits until the execution has ended; returns DescribeExecution. */
/**
 * An execution once it has ended: DescribeExecution's answer, or for an Express one (which
 * DescribeExecution does not serve, as on AWS) the summary the runtime keeps of it.
 */
export async function finished(states: StatesService, executionArn: string) {
  return vi.waitFor(
    async () => {
      const described = executionArn.includes(':express:')
        ? expressSummary(states, executionArn)
        : await states.DescribeExecution({ executionArn });
      if (described.status === 'RUNNING') throw new Error(`${executionArn} is still running`);
      return described;
    },
    { interval: 5 },
  );
}

function expressSummary(states: StatesService, executionArn: string) {
  const record = states.expressExecutions().find((r) => r.arn === executionArn);
  if (!record) throw new Error(`no Express execution ${executionArn}`);
  return { ...record, executionArn };
}

export async function historyTypes(states: StatesService, executionArn: string): Promise<string[]> {
  const { events } = await states.GetExecutionHistory({ executionArn, maxResults: 1000 });
  return events.map((e) => String(e.type));
}

/** Rejects with the AWS error code the call fails with. */
export async function errorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AwsError) return error.code;
    throw error;
  }
  throw new Error('the call succeeded');
}

/** The task token the fake SQS last carried (messages whose body holds `token`). */
export async function tokenSentTo(sqs: FakeSqs, count = 1): Promise<string> {
  await vi.waitFor(() => {
    if (sqs.sent.length < count) throw new Error(`${sqs.sent.length} of ${count} messages sent`);
  });
  return String(sqs.lastBody().token);
}

/** A task that sends its token in an SQS message, then waits for it. */
export const callbackState = (next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
  Parameters: {
    QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/tickets`,
    MessageBody: { 'token.$': '$$.Task.Token', 'input.$': '$' },
  },
  ...(next ? { Next: next } : { End: true }),
});

/** Runs a one-Task machine with this state and input; answers the execution's description and parsed output. */
export function runTaskState(states: StatesService, state: Record<string, unknown>, input: unknown = {}, name = 'run') {
  return runTaskMachine(states, { Task: { Type: 'Task', End: true, ...state } }, input, name);
}

/** Runs machine `m-<name>` of `machineStates`, starting at its Task, as execution `name` of `input`: its description and parsed output. */
async function runTaskMachine(states: StatesService, machineStates: Record<string, unknown>, input: unknown, name: string) {
  const stateMachineArn = await createMachine(states, `m-${name}`, { StartAt: 'Task', States: machineStates });
  const { executionArn: arn } = await states.StartExecution({ stateMachineArn, name, input: JSON.stringify(input) });
  const described = await finished(states, arn);
  return {
    ...described,
    arn,
    result: described.output === undefined ? undefined : (JSON.parse(described.output) as Record<string, unknown>),
  };
}

/** A Catch that keeps the error in `$.error` and ends the execution successfully. */
export const catchInto = (...errors: string[]) => ({
  Catch: [{ ErrorEquals: errors, ResultPath: '$.error', Next: 'Caught' }],
});

/** Runs a Task that may be caught by `catchInto`: the machine succeeds either way; answers its output. */
export function runCaughtTask(states: StatesService, state: Record<string, unknown>, input: unknown = {}, name = 'run') {
  return runTaskMachine(states, { Task: { Type: 'Task', Next: 'Caught', ...state }, Caught: { Type: 'Succeed' } }, input, name);
}

/** The error a `catchInto` Catch kept in the output. */
export function caught(output: Record<string, unknown> | undefined): { Error?: string; Cause?: string } {
  return (output?.error ?? {}) as { Error?: string; Cause?: string };
}

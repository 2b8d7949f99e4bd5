import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type Message } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type BusEventRecord, type ExpressExecutionsPage, READ_API_PATHS, READ_API_PREFIX } from '../clients/read-api-contract.js';
import { type AnyEventContract, executionNameFor, idempotencyKeyOf } from '../contracts/index.js';
import { executionNamesAbout } from '../inspect/execution-names.js';
import { compilePattern, matchesPattern } from '../local/events/pattern.js';
import { peekQueue } from './failures.js';
import { known, listed, poll, TestAppError, type WaitOptions } from './poll.js';
import { customBusNamed } from './send-custom-bus.js';
import type { RunningApp } from './start.js';

/** An execution of one of the app's state machines, as ListExecutions lists it, with its machine's name. */
export type ExecutionSummary = ExecutionListItem & { readonly stateMachine: string };

/**
 * Which execution to wait for: its name or ARN, or what it is about (the business key
 * `switchyard executions` shows, `OrderPlaced#orderId="O-1"`, or the id alone, `O-1`), the
 * event that started it, or a test of each execution the app has.
 */
export type ExecutionSelector =
  | string
  | {
      readonly contract: AnyEventContract;
      readonly detail: Record<string, unknown>;
      /** The event's id, which names the execution when the contract has no idempotencyFields. @default - none: the name comes from the idempotencyFields */
      readonly eventId?: string;
    }
  | ((execution: ExecutionSummary) => boolean);

export interface ExecutionWaitOptions extends WaitOptions {
  /** Only executions of this state machine (its name, or a unique part of it). @default - any of the app's state machines */
  readonly stateMachine?: string;
}

/**
 * The name the workflow starter gives the execution of an event (contracts/identity.ts): the
 * contract's detail-type and a digest of the event's idempotency key (its contract's
 * `idempotencyFields`, else the event id).
 */
export function executionNameOf(contract: AnyEventContract, detail: Record<string, unknown>, eventId?: string): string {
  if ((contract.idempotencyFields ?? []).length === 0 && eventId === undefined) {
    throw new TestAppError(
      `${contract.detailType} has no idempotencyFields, so its executions are named from the event id: pass the eventId send() returned`,
    );
  }
  return executionNameFor(contract, idempotencyKeyOf(contract, { id: eventId ?? '', detail }));
}

/**
 * Every execution of the app's state machines (or of one), newest first: Standard ones with
 * ListExecutions, Express ones from the runtime's read API (AWS keeps no list of them).
 */
async function executionsOf(app: RunningApp, stateMachine: string | undefined): Promise<ExecutionSummary[]> {
  const machines = app.runtime.definitions.stateMachines.filter((m) => stateMachine === undefined || m.name === stateMachine);
  const all: ExecutionSummary[] = [];
  for (const machine of machines) {
    if (machine.type === 'EXPRESS') {
      all.push(...(await expressExecutionsOf(app, machine.arn)).map((e) => ({ ...e, stateMachine: machine.name })));
      continue;
    }
    let nextToken: string | undefined;
    do {
      const page = await app.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine.arn, nextToken }));
      all.push(...(page.executions ?? []).map((e) => ({ ...e, stateMachine: machine.name })));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return all.sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
}

async function expressExecutionsOf(app: RunningApp, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams({ stateMachineArn, limit: '1000', ...(nextToken ? { nextToken } : {}) });
    const response = await fetch(`${app.endpoint}${READ_API_PREFIX}${READ_API_PATHS.expressExecutions}?${query}`);
    if (!response.ok) throw new TestAppError(`the read API answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as ExpressExecutionsPage;
    for (const e of page.executions) {
      const { startDate, stopDate, ...rest } = e;
      executions.push({ ...rest, startDate: new Date(startDate), ...(stopDate === undefined ? {} : { stopDate: new Date(stopDate) }) });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return executions;
}

/** Fails at once for a machine the app does not have; the machine's full name otherwise. */
function stateMachineNamed(app: RunningApp, wanted: string | undefined): string | undefined {
  if (wanted === undefined) return undefined;
  const names = app.runtime.definitions.stateMachines.map((m) => m.name);
  return known('state machine', wanted, names, uniqueMatch(wanted, names));
}

/**
 * Waits until the execution has ended (any status but RUNNING) and resolves with
 * DescribeExecution's answer. On a timeout the message lists the executions there were.
 */
export async function waitForExecution(
  app: RunningApp,
  selector: ExecutionSelector,
  options: ExecutionWaitOptions = {},
): Promise<DescribeExecutionCommandOutput> {
  if (app.runtime.definitions.stateMachines.length === 0)
    throw new TestAppError('the app has no state machines to wait for an execution of');
  const machine = stateMachineNamed(app, options.stateMachine);
  const name =
    typeof selector === 'string'
      ? selector
      : typeof selector === 'function'
        ? undefined
        : executionNameOf(selector.contract, selector.detail, selector.eventId);
  // What a string names when no execution has it as its name: the names a workflow starter gives one about it.
  const about = typeof selector === 'string' && !selector.startsWith('arn:') ? executionNamesAbout(app.cdkOut, selector) : [];
  const matches = (e: ExecutionSummary) =>
    typeof selector === 'function' ? selector(e) : e.name === name || (name?.startsWith('arn:') === true && e.executionArn === name);
  const what = name === undefined ? 'an execution the predicate accepts to end' : `execution ${name} to end`;
  const check = async () => {
    const executions = await executionsOf(app, machine);
    const found = executions.find(matches) ?? oneAbout(executions, about, String(name));
    if (found === undefined || found.status === 'RUNNING') return undefined;
    // DescribeExecution does not take an Express execution (as on AWS): its summary is all there is.
    if (found.executionArn?.includes(':express:')) return { $metadata: {}, ...found } as DescribeExecutionCommandOutput;
    return app.clients.sfn.send(new DescribeExecutionCommand({ executionArn: found.executionArn }));
  };
  const seen = async () => {
    const executions = await executionsOf(app, machine);
    return listed(
      executions.map((e) => `${e.stateMachine}/${e.name} ${e.status}`),
      10,
      'no executions',
    );
  };
  return poll(check, what, seen, options);
}

/**
 * The one execution whose name a starter would give one about the name waited for; undefined
 * when none has one yet.
 * @throws TestAppError when several have: the id alone names each, and which one is for the test to say
 */
function oneAbout(executions: readonly ExecutionSummary[], about: readonly string[], wanted: string): ExecutionSummary | undefined {
  const found = executions.filter((e) => e.name !== undefined && about.includes(e.name));
  if (found.length > 1)
    throw new TestAppError(
      `"${wanted}" names ${found.length} executions (${found.map((e) => `${e.stateMachine}/${e.name}`).join(', ')}): wait for one by its business key or name`,
    );
  return found[0];
}

/** Waits for the item with `key` (plain values, as the document client takes them) and resolves with it, unmarshalled. */
export async function waitForItem(
  app: RunningApp,
  table: string,
  key: Record<string, unknown>,
  options: WaitOptions = {},
): Promise<Record<string, unknown>> {
  const names = app.runtime.definitions.tables.map((t) => t.name);
  const tableName = known('table', table, names, uniqueMatch(table, names));
  const Key = marshall(key, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
  const check = async () => {
    const { Item } = await app.clients.dynamodb.send(new GetItemCommand({ TableName: tableName, Key, ConsistentRead: true }));
    return Item === undefined ? undefined : unmarshall(Item);
  };
  const seen = async () => `no item with key ${JSON.stringify(key)} in ${tableName}`;
  return poll(check, `an item ${JSON.stringify(key)} in ${tableName}`, seen, options);
}

/** An event a bus accepted, in EventBridge's envelope. */
export interface BusEvent {
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly time: string;
  readonly detail: unknown;
}

/** The events `bus` accepted, oldest first, from the runtime's read API (it keeps them; AWS has no such API). */
async function busEvents(app: RunningApp, bus: string): Promise<BusEvent[]> {
  const records: BusEventRecord[] = [];
  let nextToken: string | undefined;
  do {
    const query = new URLSearchParams({ bus, limit: '1000', ...(nextToken ? { nextToken } : {}) });
    const response = await fetch(`${app.endpoint}${READ_API_PREFIX}${READ_API_PATHS.events}?${query}`);
    if (!response.ok) throw new TestAppError(`the read API answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { events: BusEventRecord[]; nextToken?: string };
    records.push(...page.events);
    nextToken = page.nextToken;
  } while (nextToken);
  return records.reverse().map((r) => ({ id: r.id, 'detail-type': r.detailType, source: r.source, time: r.time, detail: r.detail }));
}

/**
 * Waits for an event on `bus` (a classic bus or a Custom Event Bus) that matches `pattern` (an
 * EventBridge event pattern) and resolves with the first one: events the bus accepted before the
 * wait count too.
 */
export async function waitForEvent(app: RunningApp, bus: string, pattern: object, options: WaitOptions = {}): Promise<BusEvent> {
  // A Custom Event Bus's published events are recorded as a classic bus's are (local/eventbridgev2/published.ts).
  const busName = (await customBusNamed(app, bus))?.name ?? knownClassicBus(app, bus);
  let compiled: ReturnType<typeof compilePattern>;
  try {
    compiled = compilePattern(pattern);
  } catch (error) {
    throw new TestAppError(`the pattern ${JSON.stringify(pattern)} is not an event pattern: ${(error as Error).message}`);
  }
  const envelope = (e: BusEvent) => ({ version: '0', account: '000000000000', region: 'us-east-1', resources: [], ...e });
  const check = async () => (await busEvents(app, busName)).find((e) => matchesPattern(compiled, envelope(e)));
  const seen = async () => {
    const events = await busEvents(app, busName);
    return listed(
      events.map((e) => `${e['detail-type']} from ${e.source} ${JSON.stringify(e.detail).slice(0, 120)}`),
      10,
      'no events',
    );
  };
  return poll(check, `an event on ${busName} matching ${JSON.stringify(pattern)}`, seen, options);
}

function knownClassicBus(app: RunningApp, bus: string): string {
  const names = app.runtime.definitions.buses.map((b) => b.name);
  return known('event bus', bus, names, uniqueMatch(bus, names));
}

/** The name of a queue of the app: its physical name, or a unique part of it (`OrdersDLQ`). */
export function queueNamed(app: RunningApp, queue: string): string {
  const names = app.runtime.definitions.queues.map((q) => q.name);
  return known('queue', queue, names, uniqueMatch(queue, names));
}

/** Waits until the queue (a dead-letter queue of the app) holds a message and resolves with what it holds, left in place. */
export async function waitForDeadLetter(app: RunningApp, queue: string, options: WaitOptions = {}): Promise<Message[]> {
  const name = queueNamed(app, queue);
  const check = async () => {
    const { QueueUrl } = await app.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const messages = await peekQueue(app, QueueUrl as string);
    return messages.length > 0 ? messages : undefined;
  };
  const seen = async () => {
    const others = [];
    for (const q of app.runtime.definitions.queues) {
      const count = await queueDepth(app, q.name);
      if (count > 0) others.push(`${q.name}: ${count}`);
    }
    return `${name} is empty; messages in the app's queues (visible and in flight): ${listed(others, 10, 'none')}`;
  };
  return poll(check, `a message in ${name}`, seen, options);
}

/** How many messages a queue holds, visible and in flight (GetQueueAttributes: nothing is received). */
export async function queueDepth(app: RunningApp, queueName: string): Promise<number> {
  const { sqs } = app.clients;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** A generated name's logical id without CDK's 8-character hash: `OrdersApp-OrdersA9B65338` → `Orders`. */
function logicalCore(name: string): string {
  const last = name.slice(name.lastIndexOf('-') + 1);
  return last.replace(/[0-9A-F]{8}$/, '');
}

/**
 * Matches the name equal to `wanted`; else, first tier that any name meets decides (several
 * names in that tier are no match): the logical id (CDK's hash left out) equal to `wanted`, the
 * logical id containing it, the whole name containing it (all case-insensitive). The tiers keep
 * `Orders` from also meaning `OrdersApp-IdempotencyTable…` because the stack is named OrdersApp.
 */
export function uniqueMatch(wanted: string, names: readonly string[]): (name: string) => boolean {
  if (names.includes(wanted)) return (name) => name === wanted;
  const lower = wanted.toLowerCase();
  const tiers: ((name: string) => boolean)[] = [
    (n) => logicalCore(n).toLowerCase() === lower,
    (n) => logicalCore(n).toLowerCase().includes(lower),
    (n) => n.toLowerCase().includes(lower),
  ];
  for (const tier of tiers) {
    const found = names.filter(tier);
    if (found.length > 0) return (name) => found.length === 1 && found[0] === name;
  }
  return () => false;
}

// What the Failures page reads: queues with their dead-letter settings, dead-lettered messages, failed executions.
import { FAILED_EXECUTION_STATUSES } from '../../../clients/execution-statuses.js';
import { executionSubject } from '../../../clients/execution-subject.js';
import { all, call, toDate } from '../aws.js';
import { stateMachines } from '../escalations.js';
import { expressExecutions, queueMessages } from '../feed.js';

export interface QueueInfo {
  readonly url: string;
  readonly name: string;
  readonly arn: string;
  readonly depth: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLetterArn?: string;
  readonly maxReceiveCount?: number;
}

export interface Message {
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

export interface FailedExecution {
  flow: string;
  executionArn: string;
  name: string;
  /** What it is about (the CLI's KEY): its business key, from its input. */
  subject?: string;
  status: string;
  stopDate?: Date;
  express: boolean;
  /** How it ended: DescribeExecution's for a Standard one, the read API's for an Express one. */
  error?: string;
  cause?: string;
  /** The Fail state a Standard execution ended in when it gave no error and no cause (its history's last FailStateEntered). */
  failState?: string;
}

/** The dead-letter queues of EventBridge rule targets (DeadLetterConfig), each with the `rule → target` pairs that use it. */
export async function ruleTargetDeadLetterQueues(): Promise<Map<string, string[]>> {
  const tokens = { request: 'NextToken', response: 'NextToken' };
  const byQueue = new Map<string, string[]>();
  const buses = await all<{ Name?: string }>('events', 'ListEventBuses', {}, 'EventBuses', tokens);
  for (const bus of buses) {
    const rules = await all<{ Name?: string }>('events', 'ListRules', { EventBusName: bus.Name }, 'Rules', tokens);
    for (const rule of rules) {
      const targets = await all<{ Id?: string; Arn?: string; DeadLetterConfig?: { Arn?: string } }>(
        'events',
        'ListTargetsByRule',
        { Rule: rule.Name, EventBusName: bus.Name },
        'Targets',
        tokens,
      );
      for (const target of targets) {
        const dlq = target.DeadLetterConfig?.Arn;
        if (dlq) byQueue.set(dlq, [...(byQueue.get(dlq) ?? []), `rule ${rule.Name} → ${target.Arn?.split(':').at(-1) ?? target.Id}`]);
      }
    }
  }
  return byQueue;
}

export async function listQueues(): Promise<QueueInfo[]> {
  const urls = await all<string>('sqs', 'ListQueues', { MaxResults: 1000 }, 'QueueUrls', { request: 'NextToken', response: 'NextToken' });
  const queues: QueueInfo[] = [];
  for (const url of urls) {
    const { Attributes = {} } = await call<{ Attributes?: Record<string, string> }>('sqs', 'GetQueueAttributes', {
      QueueUrl: url,
      AttributeNames: ['All'],
    });
    let redrive: { deadLetterTargetArn?: string; maxReceiveCount?: number | string } = {};
    try {
      redrive = JSON.parse(Attributes.RedrivePolicy ?? '{}');
    } catch {
      // no readable policy: no dead-letter queue
    }
    queues.push({
      url,
      name: url.split('/').at(-1) ?? url,
      arn: Attributes.QueueArn ?? '',
      depth: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      ...(redrive.deadLetterTargetArn
        ? { deadLetterArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) }
        : {}),
    });
  }
  return queues.sort((a, b) => a.name.localeCompare(b.name));
}

/** Up to ten messages of a dead-letter queue with their reasons, read without being received (their receive counts stay as they are). */
export async function peek(url: string): Promise<readonly Message[]> {
  return queueMessages(url, 10);
}

/** The name of the Fail state an execution ended in, if it ended in one (its last events, newest first). */
async function lastFailState(executionArn: string): Promise<string | undefined> {
  const { events = [] } = await call<{ events?: { type?: string; stateEnteredEventDetails?: { name?: string } }[] }>(
    'sfn',
    'GetExecutionHistory',
    { executionArn, reverseOrder: true, maxResults: 5 },
  );
  return events.find((event) => event.type === 'FailStateEntered')?.stateEnteredEventDetails?.name;
}

export async function failedExecutions(): Promise<FailedExecution[]> {
  const rows: FailedExecution[] = [];
  for (const machine of await stateMachines()) {
    for (const status of FAILED_EXECUTION_STATUSES) {
      if (machine.type === 'STANDARD') {
        const page = await call<{ executions?: Record<string, unknown>[] }>('sfn', 'ListExecutions', {
          stateMachineArn: machine.stateMachineArn,
          statusFilter: status,
          maxResults: 20,
        });
        for (const e of page.executions ?? []) {
          // ListExecutions says that it failed; DescribeExecution says why, and what it was about.
          const { error, cause, input } = await call<{ error?: string; cause?: string; input?: string }>('sfn', 'DescribeExecution', {
            executionArn: e.executionArn,
          });
          const subject = executionSubject(input);
          // A Fail state without Error or Cause leaves where it failed as the only reason: read from the history's end.
          const failState =
            status === 'FAILED' && error === undefined && cause === undefined ? await lastFailState(String(e.executionArn)) : undefined;
          rows.push({
            flow: machine.name,
            executionArn: String(e.executionArn),
            name: String(e.name),
            ...(subject === undefined ? {} : { subject }),
            status,
            stopDate: toDate(e.stopDate),
            express: false,
            ...(error === undefined ? {} : { error }),
            ...(cause === undefined ? {} : { cause }),
            ...(failState === undefined ? {} : { failState }),
          });
        }
      } else {
        const page = await expressExecutions({ stateMachineArn: machine.stateMachineArn, status, limit: 20 }).catch(() => ({
          executions: [],
        }));
        for (const e of page.executions) {
          rows.push({
            flow: machine.name,
            executionArn: e.executionArn,
            name: e.name,
            ...(e.businessKey === undefined ? {} : { subject: e.businessKey }),
            status,
            stopDate: toDate(e.stopDate),
            express: true,
            ...(e.error === undefined ? {} : { error: e.error }),
            ...(e.cause === undefined ? {} : { cause: e.cause }),
          });
        }
      }
    }
  }
  return rows.sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0));
}

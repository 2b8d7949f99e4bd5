import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { SubscriptionDefinition, TopicDefinition } from '../../../local/sns/definitions.js';
import { SnsService } from '../../../local/sns/sns-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const topicArn = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
export const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
export const functionArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

export interface SentMessage {
  QueueUrl: string;
  MessageBody: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }>;
}

/** SQS as SNS sees it: queues by name, every message sent kept in order. */
export class FakeSqs {
  readonly sent: SentMessage[] = [];
  readonly queues = new Set<string>();
  /** Queue names whose SendMessage fails like an SQS outage (a server-side error). */
  readonly failing = new Set<string>();
  /** Message bodies containing one of these fail like an outage, whatever the queue. */
  readonly failingBodies = new Set<string>();

  async GetQueueUrl(input: { QueueName: string }) {
    if (!this.queues.has(input.QueueName)) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return { QueueUrl: `http://local/${ACCOUNT}/${input.QueueName}` };
  }

  async SendMessage(input: SentMessage) {
    const name = input.QueueUrl.split('/').at(-1) ?? '';
    if (!this.queues.has(name)) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
    if (this.failing.has(name) || [...this.failingBodies].some((text) => input.MessageBody.includes(text))) {
      throw new Error('connection reset');
    }
    this.sent.push(input);
    return {};
  }

  to(queue: string): SentMessage[] {
    return this.sent.filter((m) => m.QueueUrl.endsWith(`/${queue}`));
  }

  bodies(queue: string): Record<string, unknown>[] {
    return this.to(queue).map((m) => JSON.parse(m.MessageBody) as Record<string, unknown>);
  }
}

export class FakeLambda {
  readonly invoked: { name: string; event: unknown }[] = [];
  readonly functions = new Set<string>();

  async invokeAsync(name: string, event: unknown) {
    const short = name.split(':')[6] ?? name;
    if (!this.functions.has(short)) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
    this.invoked.push({ name, event });
    return { requestId: 'r' };
  }
}

export interface TestSns {
  sns: SnsService;
  sqs: FakeSqs;
  lambda: FakeLambda;
  clock: ManualClock;
  logs: string[];
  /** A new service over the same database, as after a restart. */
  restart(): TestSns;
  close(): void;
}

export function createSns(
  template: { topics?: TopicDefinition[]; subscriptions?: SubscriptionDefinition[] } = {},
  file = ':memory:',
  shared?: { sqs: FakeSqs; lambda: FakeLambda; clock: ManualClock },
): TestSns {
  const db = openDatabase(file);
  const sqs = shared?.sqs ?? new FakeSqs();
  const lambda = shared?.lambda ?? new FakeLambda();
  const clock = shared?.clock ?? new ManualClock();
  const logs: string[] = [];
  const sns = new SnsService({
    db,
    clock,
    accountId: ACCOUNT,
    region: REGION,
    baseUrl: 'http://127.0.0.1:4566',
    ...template,
    sqs,
    lambda,
    log: (line) => logs.push(line),
  });
  sns.start();
  const t: TestSns = {
    sns,
    sqs,
    lambda,
    clock,
    logs,
    restart: () => {
      sns.stop();
      db.close();
      return createSns(template, file, { sqs, lambda, clock });
    },
    close: () => {
      sns.stop();
      db.close();
    },
  };
  return t;
}

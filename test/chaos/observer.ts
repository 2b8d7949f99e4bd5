import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ChaosRuntime } from './runtime-control.js';
import { FLOW_OF_EVENT, type FlowName, KEY_FIELD } from './workload.js';

const BUS = 'Switchyard-hub';
const NAME = 'chaos-observer';

/** One completion event as the observer received it. */
export interface Observed {
  readonly id: string;
  readonly detailType: string;
  readonly flow: FlowName;
  readonly key: string;
  /** Which life of the runtime sent it (0: before the first kill), from the event's `time`. */
  readonly life: number;
  /** What it said, in short (a stop's reason, a routing's queue), for a failure's message. */
  readonly says: string;
}

/**
 * A rule of the suite's own on the app's bus, matching every completion event, into a queue
 * of its own: what the app announced, counted apart from anything the app records. Events
 * are kept by their EventBridge id, so a delivery of one event that reaches the queue twice
 * (the runtime's at-least-once delivery to a target, or a receive lost in a kill) counts once,
 * while the same fact sent twice (two PutEvents, two ids) counts twice.
 */
export class Observer {
  readonly #events: EventBridgeClient;
  readonly #sqs: SQSClient;
  #queueUrl = '';
  readonly byId = new Map<string, Observed>();
  /** `<key> <detail-type>` of every event seen. */
  readonly seen = new Set<string>();
  /** Called for each event seen for the first time. */
  onEvent: (event: Observed) => void = () => undefined;

  constructor(private readonly runtime: ChaosRuntime) {
    this.#events = new EventBridgeClient({ ...runtime.config, maxAttempts: 3 });
    this.#sqs = new SQSClient({ ...runtime.config, maxAttempts: 3 });
  }

  get queueUrl(): string {
    return this.#queueUrl;
  }

  async setUp(): Promise<void> {
    await this.runtime.call(async () => {
      // Under IAM enforce EventBridge may send to the queue only as its policy allows, as on AWS.
      const { RuleArn } = await this.#events.send(
        new PutRuleCommand({
          Name: NAME,
          EventBusName: BUS,
          EventPattern: JSON.stringify({ 'detail-type': [...FLOW_OF_EVENT.keys()] }),
          Description: 'The chaos suite counts every completion event the app sends',
        }),
      );
      const { QueueUrl } = await this.#sqs.send(
        new CreateQueueCommand({ QueueName: NAME, Attributes: { Policy: JSON.stringify(eventsMaySend(RuleArn ?? '')) } }),
      );
      this.#queueUrl = QueueUrl ?? '';
      const { Attributes } = await this.#sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      const { FailedEntryCount } = await this.#events.send(
        new PutTargetsCommand({ Rule: NAME, EventBusName: BUS, Targets: [{ Id: 'observer', Arn: Attributes?.QueueArn }] }),
      );
      if (FailedEntryCount) throw new Error('the observer rule refused its queue as a target');
    });
  }

  /** Receives what has arrived, records it, deletes it; resolves with how many messages it received. */
  async poll(waitSeconds = 1): Promise<number> {
    return this.runtime.call(async () => {
      const { Messages = [] } = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: 30,
        }),
      );
      for (const message of Messages) this.#record(JSON.parse(message.Body ?? '{}'));
      if (Messages.length > 0) {
        await this.#sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      return Messages.length;
    });
  }

  /** Polls until the queue gives nothing twice in a row. */
  async drain(): Promise<void> {
    let empty = 0;
    while (empty < 2) empty = (await this.poll(1)) === 0 ? empty + 1 : 0;
  }

  #record(event: { id?: string; 'detail-type'?: string; time?: string; detail?: Record<string, unknown> }): void {
    const detailType = event['detail-type'] ?? '';
    const flow = FLOW_OF_EVENT.get(detailType);
    if (!event.id || flow === undefined || this.byId.has(event.id)) return;
    const observed: Observed = {
      id: event.id,
      detailType,
      flow,
      key: String(event.detail?.[KEY_FIELD[flow]] ?? ''),
      life: this.runtime.lifeAt(Date.parse(event.time ?? '')),
      says: says(event.detail ?? {}),
    };
    this.byId.set(event.id, observed);
    this.seen.add(`${observed.key} ${detailType}`);
    this.onEvent(observed);
  }

  /** Distinct events per item and detail-type: `key` -> detail-type -> the events. */
  counts(): Map<string, Map<string, Observed[]>> {
    const out = new Map<string, Map<string, Observed[]>>();
    for (const event of this.byId.values()) {
      const types = out.get(event.key) ?? new Map<string, Observed[]>();
      types.set(event.detailType, [...(types.get(event.detailType) ?? []), event]);
      out.set(event.key, types);
    }
    return out;
  }
}

function says(detail: Record<string, unknown>): string {
  const fields = ['reason', 'error', 'step', 'queue', 'decidedBy', 'attempt', 'failedSubTasks'];
  return fields
    .filter((f) => detail[f] !== undefined)
    .map((f) => `${f}=${String(detail[f])}`)
    .join(' ');
}

/** The queue policy CDK's SqsQueue target writes: the rule, as events.amazonaws.com, may send. */
function eventsMaySend(ruleArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: '*',
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  };
}

import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DEAD_LETTER_ATTRIBUTES } from '../../domain/index.js';
import type { ChaosRuntime } from './runtime-control.js';
import { type FlowName, KEY_FIELD } from './workload.js';

/** A dead-letter queue's name, as the app's constructs name them. */
const DEAD_LETTER = /dead|dlq/i;

/** One message found in a dead-letter queue. */
export interface DeadLetter {
  readonly queue: string;
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly errorName: string | undefined;
  /** The message the consumer gave up on: two dead letters of one message are one delivery dead-lettered twice. */
  readonly originalMessageId: string | undefined;
  /** When the consumer gave up on it (epoch ms; NaN when the message does not say). */
  readonly failedAt: number;
  readonly detailType: string | undefined;
  /** The item it is about, when its detail names one. */
  readonly key: string | undefined;
  readonly body: string;
}

/** A ledger row that counts how often an effect (or a model call) was applied. */
export interface LedgerRow {
  readonly flow: FlowName;
  readonly key: string;
  readonly effect: string;
  readonly applied: number;
}

/** A reserve or release the saga's ledger holds, with what its entry says it moved. */
export interface StockMove {
  readonly orderId: string;
  readonly effect: 'reserve' | 'release';
  readonly applied: number;
  /** Written by the transaction that moved the stock; undefined on an entry written some other way. */
  readonly sku: string | undefined;
  readonly quantity: number | undefined;
}

/** The saga's stock as its two tables tell it: the ledger's moves, and each SKU's `reserved` counter. */
export interface StockRecords {
  readonly moves: readonly StockMove[];
  readonly reserved: ReadonlyMap<string, number>;
}

/** Reads what the app recorded: its ledgers, its queues and dead-letter queues, its running executions. */
export class Inventory {
  readonly #sqs: SQSClient;
  readonly #dynamodb: DynamoDBClient;
  readonly #sfn: SFNClient;

  constructor(
    private readonly runtime: ChaosRuntime,
    private readonly observerQueueUrl: () => string,
  ) {
    this.#sqs = new SQSClient({ ...runtime.config, maxAttempts: 3 });
    this.#dynamodb = new DynamoDBClient({ ...runtime.config, maxAttempts: 3 });
    this.#sfn = new SFNClient({ ...runtime.config, maxAttempts: 3 });
  }

  async #queues(): Promise<string[]> {
    const { QueueUrls = [] } = await this.runtime.call(() => this.#sqs.send(new ListQueuesCommand({ MaxResults: 1000 })));
    return QueueUrls.filter((url) => url !== this.observerQueueUrl());
  }

  /**
   * Whether nothing is left to happen: every queue of the app empty (visible, in flight and
   * delayed) apart from dead-letter queues, and no Standard execution running.
   */
  async quiet(): Promise<{ quiet: boolean; busy: string[] }> {
    const busy: string[] = [];
    for (const url of await this.#queues()) {
      if (DEAD_LETTER.test(url)) continue;
      const { Attributes = {} } = await this.runtime.call(() =>
        this.#sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        ),
      );
      const n = Object.values(Attributes).reduce((sum, v) => sum + Number(v), 0);
      if (n > 0) busy.push(`${url.split('/').at(-1)}=${n}`);
    }
    const { stateMachines = [] } = await this.runtime.call(() => this.#sfn.send(new ListStateMachinesCommand({})));
    for (const machine of stateMachines.filter((m) => m.type === 'STANDARD')) {
      const { executions = [] } = await this.runtime.call(() =>
        this.#sfn.send(new ListExecutionsCommand({ stateMachineArn: machine.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000 })),
      );
      if (executions.length > 0) busy.push(`${machine.name} running=${executions.length}`);
    }
    return { quiet: busy.length === 0, busy };
  }

  /** Every row of the pipeline's and the saga's ledgers (`applied`) and of the research ledger (`calls`). */
  async ledgers(): Promise<LedgerRow[]> {
    const rows: LedgerRow[] = [];
    for (const item of await this.#scan(await this.#table('ContentPipelineLedger'))) {
      if (String(item.effect).startsWith('attempts#')) continue;
      rows.push({ flow: 'pipeline', key: String(item.jobId), effect: String(item.effect), applied: Number(item.applied ?? 0) });
    }
    for (const item of await this.#scan(await this.#table('OrderSagaLedger'))) {
      const effect = String(item.effect);
      if (effect === '#seq' || effect.startsWith('attempts#')) continue;
      rows.push({ flow: 'saga', key: String(item.orderId), effect, applied: Number(item.applied ?? 0) });
    }
    for (const item of await this.#scan(await this.#table('ResearchAgentsLedger'))) {
      rows.push({ flow: 'research', key: String(item.requestId), effect: String(item.call), applied: Number(item.calls ?? 0) });
    }
    for (const item of await this.#scan(await this.#table('Assignments'))) {
      // Ignored-event records (a duplicate or stale TicketRouted) share the table.
      if (item.kind === 'ignored') continue;
      rows.push({ flow: 'triage', key: String(item.ticketId), effect: 'assign', applied: 1 });
    }
    return rows;
  }

  /** The saga's reserves and releases (ledger) and each SKU's reserved units (inventory), each read with one Scan. */
  async stock(): Promise<StockRecords> {
    const ledger = await this.#table('OrderSagaLedger');
    const inventory = await this.#table('OrderSagaInventory');
    const moves: StockMove[] = [];
    for (const item of await this.#scan(ledger)) {
      if (item.effect !== 'reserve' && item.effect !== 'release') continue;
      moves.push({
        orderId: String(item.orderId),
        effect: item.effect,
        applied: Number(item.applied ?? 0),
        sku: typeof item.sku === 'string' ? item.sku : undefined,
        quantity: typeof item.quantity === 'number' ? item.quantity : undefined,
      });
    }
    const reserved = new Map((await this.#scan(inventory)).map((item) => [String(item.sku), Number(item.reserved ?? 0)]));
    return { moves, reserved };
  }

  async #table(part: string): Promise<string> {
    const { TableNames = [] } = await this.runtime.call(() => this.#dynamodb.send(new ListTablesCommand({})));
    const name = TableNames.find((n) => n.includes(part));
    if (!name) throw new Error(`no table named like ${part} among ${TableNames.join(', ')}`);
    return name;
  }

  async #scan(TableName: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: ScanStartKey;
    do {
      const page = await this.runtime.call(() => this.#dynamodb.send(new ScanCommand({ TableName, ExclusiveStartKey })));
      for (const item of page.Items ?? []) items.push(unmarshall(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /**
   * Every message of every dead-letter queue. Each is received once and left hidden for
   * `hideSeconds`, so one pass sees each message once; the caller deletes what it redrives.
   */
  async deadLetters(hideSeconds = 120): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for (const url of (await this.#queues()).filter((u) => DEAD_LETTER.test(u))) {
      for (;;) {
        const { Messages = [] } = await this.runtime.call(() =>
          this.#sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: 10,
              VisibilityTimeout: hideSeconds,
              MessageAttributeNames: ['All'],
            }),
          ),
        );
        if (Messages.length === 0) break;
        out.push(...Messages.map((m) => deadLetterOf(url, m)));
      }
    }
    return out;
  }

  /**
   * The operator's fix: the dead-lettered event's detail repaired by `fix`, sent back to the
   * queue the dead-letter queue serves (its RedrivePolicy names it), then deleted from the
   * dead-letter queue. Resolves with the queues the messages went back to.
   */
  async fixAndRedrive(
    letters: readonly DeadLetter[],
    fix: (letter: DeadLetter, detail: Record<string, unknown>) => Record<string, unknown>,
  ) {
    const sources = await this.#sourceQueues();
    for (const letter of letters) {
      const source = sources.get(letter.queue);
      if (!source) throw new Error(`no queue has ${letter.queue} as its dead-letter queue`);
      const event = JSON.parse(letter.body) as { detail: Record<string, unknown> };
      const body = JSON.stringify({ ...event, detail: fix(letter, event.detail) });
      await this.runtime.call(() => this.#sqs.send(new SendMessageCommand({ QueueUrl: source, MessageBody: body })));
      await this.runtime.call(() =>
        this.#sqs.send(new DeleteMessageCommand({ QueueUrl: letter.queue, ReceiptHandle: letter.receiptHandle })),
      );
    }
  }

  /** Dead-letter queue URL -> the queue whose RedrivePolicy sends to it. */
  async #sourceQueues(): Promise<Map<string, string>> {
    const urls = await this.#queues();
    const arnToUrl = new Map<string, string>();
    const policies: [string, string][] = [];
    for (const url of urls) {
      const { Attributes = {} } = await this.runtime.call(() =>
        this.#sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'RedrivePolicy'] })),
      );
      if (Attributes.QueueArn) arnToUrl.set(Attributes.QueueArn, url);
      if (Attributes.RedrivePolicy) {
        const { deadLetterTargetArn } = JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn: string };
        policies.push([deadLetterTargetArn, url]);
      }
    }
    return new Map(policies.flatMap(([dlqArn, source]) => (arnToUrl.has(dlqArn) ? [[arnToUrl.get(dlqArn) as string, source]] : [])));
  }
}

type ScanStartKey = Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;

function deadLetterOf(queue: string, message: Message): DeadLetter {
  let detailType: string | undefined;
  let key: string | undefined;
  try {
    const event = JSON.parse(message.Body ?? '') as { 'detail-type'?: string; detail?: Record<string, unknown> };
    detailType = event['detail-type'];
    const detail = event.detail ?? {};
    const field = Object.values(KEY_FIELD).find((f) => typeof detail[f] === 'string');
    key = field === undefined ? undefined : String(detail[field]);
  } catch {
    // Not an EventBridge event: it counts as a message nobody expected.
  }
  return {
    queue,
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    errorName: message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.errorName]?.StringValue,
    // A consumer's copy names the message it gave up on; SQS's copy is that message, with its id.
    originalMessageId: message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.originalMessageId]?.StringValue ?? message.MessageId,
    failedAt: Date.parse(message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.failedAt]?.StringValue ?? ''),
    detailType,
    key,
    body: message.Body ?? '',
  };
}

import { currentTraceHeader } from '../endpoint/trace-header.js';
import type { SendMessageBatchInput, SendMessageBatchOutput, SendMessageInput } from '../sqs/sqs-types.js';

/** The most messages SendMessageBatch takes in one call. */
const MAX_BATCH_ENTRIES = 10;
/** What a batch may weigh (SQS refuses a heavier one as a whole; then each message goes alone). */
const MAX_BATCH_BYTES = 1_048_576;

/** The SQS operations the batches are sent with. */
export interface BatchingQueue {
  SendMessage(input: SendMessageInput): Promise<unknown>;
  SendMessageBatch(input: SendMessageBatchInput): Promise<SendMessageBatchOutput>;
}

interface Waiting {
  readonly input: SendMessageInput;
  readonly bytes: number;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * SendMessage calls to one queue made in the same turn of the event loop, sent as
 * SendMessageBatch calls of up to 10: the local SQS keeps a batch in one SQLite transaction,
 * so a busy rule target costs one commit for ten messages, not one each. Each call still
 * resolves only once its message is committed (durable, as SendMessage answers), with
 * SendMessage's answer; the messages of a batch keep the order of the calls.
 *
 * A message the batch refused (or a batch refused as a whole: a queue gone, a FIFO entry
 * without its group) is sent again alone with SendMessage, which stored nothing of it, so the
 * caller gets the error SendMessage gives, worded as SendMessage words it.
 *
 * A batch is sent outside the callers' contexts, so each message carries its caller's X-Ray
 * trace header as the `AWSTraceHeader` system attribute, which SQS keeps as it keeps the
 * header (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-sqs.html).
 */
export class CoalescedSends {
  readonly #waiting = new Map<string, Waiting[]>();
  #scheduled = false;

  constructor(private readonly sqs: BatchingQueue) {}

  send(input: SendMessageInput): Promise<unknown> {
    const header = currentTraceHeader();
    const traced =
      header === undefined || input.MessageSystemAttributes?.AWSTraceHeader !== undefined
        ? input
        : {
            ...input,
            MessageSystemAttributes: { ...input.MessageSystemAttributes, AWSTraceHeader: { DataType: 'String', StringValue: header } },
          };
    return new Promise((resolve, reject) => {
      let queue = this.#waiting.get(input.QueueUrl);
      if (!queue) {
        queue = [];
        this.#waiting.set(input.QueueUrl, queue);
      }
      queue.push({ input: traced, bytes: weight(traced), resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    });
  }

  #flush(): void {
    const waiting = [...this.#waiting.entries()];
    this.#waiting.clear();
    for (const [queueUrl, messages] of waiting) {
      let batch: Waiting[] = [];
      let bytes = 0;
      for (const message of messages) {
        if (batch.length === MAX_BATCH_ENTRIES || (batch.length > 0 && bytes + message.bytes > MAX_BATCH_BYTES)) {
          void this.#sendBatch(queueUrl, batch);
          batch = [];
          bytes = 0;
        }
        batch.push(message);
        bytes += message.bytes;
      }
      if (batch.length > 0) void this.#sendBatch(queueUrl, batch);
    }
  }

  async #sendBatch(queueUrl: string, batch: readonly Waiting[]): Promise<void> {
    if (batch.length === 1) return this.#alone(batch[0] as Waiting);
    let answer: SendMessageBatchOutput;
    try {
      answer = await this.sqs.SendMessageBatch({
        QueueUrl: queueUrl,
        Entries: batch.map(({ input: { QueueUrl: _url, ...entry } }, i) => ({ Id: String(i), ...entry })),
      });
    } catch {
      // Refused as a whole, nothing of it kept: each message alone gets SendMessage's own answer or error.
      for (const message of batch) void this.#alone(message);
      return;
    }
    const sent = new Map(answer.Successful.map(({ Id, ...result }) => [Id, result]));
    batch.forEach((message, i) => {
      const result = sent.get(String(i));
      if (result === undefined) void this.#alone(message);
      else message.resolve(result);
    });
  }

  async #alone(message: Waiting): Promise<void> {
    try {
      message.resolve(await this.sqs.SendMessage(message.input));
    } catch (error) {
      message.reject(error);
    }
  }
}

/** A message's weight against the batch limit: its body and its attributes' values. */
function weight(input: SendMessageInput): number {
  let bytes = Buffer.byteLength(input.MessageBody ?? '', 'utf8');
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    bytes += name.length + String(value?.DataType ?? '').length;
    if (typeof value?.StringValue === 'string') bytes += Buffer.byteLength(value.StringValue, 'utf8');
    else if (value?.BinaryValue) bytes += typeof value.BinaryValue === 'string' ? value.BinaryValue.length : value.BinaryValue.byteLength;
  }
  return bytes;
}

import {
  ChangeMessageVisibilityCommand,
  type ChangeMessageVisibilityCommandInput,
  DeleteMessageCommand,
  type DeleteMessageCommandInput,
  SendMessageCommand,
  type SendMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Records the SendMessage, ChangeMessageVisibility and DeleteMessage calls a consumer makes,
 * and answers them like SQS; `fail` makes a call of that operation throw, as an SQS outage would.
 */
export class FakeSqs {
  readonly sent: SendMessageCommandInput[] = [];
  readonly visibilityChanges: ChangeMessageVisibilityCommandInput[] = [];
  readonly deleted: DeleteMessageCommandInput[] = [];
  readonly fail = { send: false, changeVisibility: false, delete: false };

  /** Forgets the calls and the failures set, for the next test. */
  reset(): void {
    for (const calls of [this.sent, this.visibilityChanges, this.deleted]) calls.length = 0;
    Object.assign(this.fail, { send: false, changeVisibility: false, delete: false });
  }

  get client(): SQSClient {
    return this as unknown as SQSClient;
  }

  /** The failure queues of a consumer wired to this fake. */
  queues(maxReceiveCount?: number) {
    return { client: this.client, queueUrl: 'https://sqs.test/queue', deadLetterQueueUrl: 'https://sqs.test/dlq', maxReceiveCount };
  }

  async send(command: SendMessageCommand | ChangeMessageVisibilityCommand | DeleteMessageCommand) {
    if (command instanceof SendMessageCommand) {
      if (this.fail.send) throw Object.assign(new Error('SQS is unavailable'), { name: 'ServiceUnavailable' });
      this.sent.push(command.input);
      return { MessageId: `dlq-${this.sent.length}` };
    }
    if (command instanceof ChangeMessageVisibilityCommand) {
      if (this.fail.changeVisibility) throw Object.assign(new Error('receipt handle expired'), { name: 'ReceiptHandleIsInvalid' });
      this.visibilityChanges.push(command.input);
      return {};
    }
    if (command instanceof DeleteMessageCommand) {
      if (this.fail.delete) throw Object.assign(new Error('SQS is unavailable'), { name: 'ServiceUnavailable' });
      this.deleted.push(command.input);
      return {};
    }
    throw new Error(`FakeSqs does not answer ${(command as object).constructor.name}`);
  }
}

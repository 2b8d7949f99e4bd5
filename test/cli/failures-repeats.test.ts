import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime.js';
import { DEAD_LETTER_QUEUES, RuntimesWithData } from '../helpers/runtime-with-data.js';
import { assemblyOf } from '../local/assembly.js';
import { runCli } from './run-cli.js';

const runtimes = new RuntimesWithData();
let runtime: LocalRuntime;
let cdkOut: string;
let messageId: string;
let kitCopyId: string;
let otherId: string;

const text = (value: string) => ({ DataType: 'String', StringValue: value });

beforeAll(async () => {
  cdkOut = assemblyOf(DEAD_LETTER_QUEUES);
  runtime = await runtimes.start(cdkOut);
  const { sqs } = runtime;
  const work = sqs.queueUrl('work');
  const dlq = sqs.queueUrl('work-dlq');
  ({ MessageId: messageId } = await sqs.SendMessage({ QueueUrl: work, MessageBody: '{"ticketId":"T-TWICE"}' }));
  await sqs.ReceiveMessage({ QueueUrl: work, VisibilityTimeout: 0 });
  // The consumer kit gives up on its last receive and sends the record to the dead-letter queue with the reason;
  // the runtime is killed before the source message is deleted, so the next receive has SQS move it there as well.
  ({ MessageId: kitCopyId } = await sqs.SendMessage({
    QueueUrl: dlq,
    MessageBody: '{"ticketId":"T-TWICE"}',
    MessageAttributes: {
      'Switchyard.ErrorName': text('InvalidEvent'),
      'Switchyard.ErrorMessage': text('no customer'),
      'Switchyard.OriginalMessageId': text(messageId),
    },
  }));
  await sqs.ReceiveMessage({ QueueUrl: work });
  ({ MessageId: otherId } = await sqs.SendMessage({
    QueueUrl: dlq,
    MessageBody: '{"ticketId":"T-ONCE"}',
    MessageAttributes: { 'Switchyard.ErrorName': text('InvalidEvent'), 'Switchyard.ErrorMessage': text('no subject') },
  }));
});
afterAll(() => runtimes.stopAll());

interface Row {
  kind: string;
  id: string;
  error: string;
  reason: string;
  copies?: number;
  messageIds?: string[];
}

describe('switchyard failures repeats', () => {
  it('shows the copies of a message dead-lettered twice as one row with their count and the reason one of them has', async () => {
    const { code, stdout, stderr } = await runCli(['failures', '--json', '--endpoint', runtime.url, '--cdk-out', cdkOut]);
    expect(code, stderr).toBe(0);
    const { failures, queues } = JSON.parse(stdout) as { failures: Row[]; queues: { messages: number }[] };
    expect(queues[0]?.messages).toBe(3);
    expect(failures).toHaveLength(2);
    const twice = failures.find((f) => f.messageIds?.includes(messageId));
    expect(twice).toMatchObject({ kind: 'message', id: kitCopyId, error: 'InvalidEvent', copies: 2 });
    expect([...(twice?.messageIds ?? [])].sort()).toEqual([kitCopyId, messageId].sort());
    expect(failures.find((f) => f.id === otherId)).toMatchObject({ copies: 1 });

    const table = await runCli(['failures', '--endpoint', runtime.url, '--cdk-out', cdkOut]);
    expect(table.stdout).toMatch(new RegExp(`message \\(2 copies\\)\\s+${kitCopyId}`));
    expect(table.stdout.match(/InvalidEvent: no customer/g)).toHaveLength(1);
  });
});

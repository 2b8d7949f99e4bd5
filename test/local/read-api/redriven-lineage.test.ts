import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lineage, type LineageNode, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../../contracts/wiring.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';

let runtime: LocalRuntime;
let sqs: SQSClient;

beforeAll(async () => {
  const cdkOut = assemblyOf({
    WorkDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'work-dlq' } },
    Work: {
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: 'work', RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['WorkDlq', 'Arn'] }, maxReceiveCount: 5 } },
    },
  });
  runtime = await LocalRuntime.start({ cdkOut, dataDir: tempDataDir(), port: 0, log: () => {} });
  sqs = new SQSClient({ endpoint: runtime.url, region, credentials });
});
afterAll(async () => {
  await runtime?.stop();
});

async function send(queue: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
  const MessageAttributes = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"orderId":"O-1"}', MessageAttributes }));
  return String(MessageId);
}

/** Each node of the tree as `kind label`, indented by depth. */
function outline(node: LineageNode, depth = 0): string[] {
  return [`${'  '.repeat(depth)}${node.kind} ${node.label}`, ...node.children.flatMap((child) => outline(child, depth + 1))];
}

describe('The lineage of a redriven message', () => {
  it('hangs the copy a redrive sent back under the dead letter it came from, so the journey goes on past it', async () => {
    const original = await send('work');
    // The consumer kit gives up on it: a dead letter naming the message, with the reason.
    const reason = {
      [DEAD_LETTER_ATTRIBUTES.errorName]: 'Error',
      [DEAD_LETTER_ATTRIBUTES.errorMessage]: 'the carrier refused O-1',
      [DEAD_LETTER_ATTRIBUTES.originalMessageId]: original,
    };
    await send('work-dlq', reason);
    // switchyard redrive sends it back with its body and attributes.
    await send('work', reason);

    const lineage = await eventually(
      async () => {
        const response = await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.lineage}${original}`);
        const tree = (await response.json()) as Lineage;
        return tree.roots?.[0] && outline(tree.roots[0]).length === 3 ? tree : undefined;
      },
      5_000,
      'the message, its dead letter and the copy sent back',
    );
    expect(outline(lineage.roots[0] as LineageNode)).toEqual([
      'message message to work',
      '  dead-letter sent to dead-letter queue work-dlq',
      '    message message to work, sent back from work-dlq',
    ]);
  });
});

import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Lineage, type LineageNode, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../../contracts/wiring.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { eventSourceMapping, inlineFunction } from '../template-resources.js';

const local = restartableRuntime({
  assembly: () => {
    const cdkOut = assemblyOf({
      WorkDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'work-dlq' } },
      Work: {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: 'work', RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['WorkDlq', 'Arn'] }, maxReceiveCount: 5 } },
      },
      Orders: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders', VisibilityTimeout: 600 } },
      // Reports every record of its batch failed, as a kit consumer does for a record it will retry.
      Refuser: inlineFunction(
        'exports.handler = async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) });',
        { FunctionName: 'refuser' },
      ),
      Mapping: eventSourceMapping('Orders', 'Refuser', { BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] }),
    });
    return cdkOut;
  },
});
let sqs: SQSClient;
beforeAll(async () => {
  sqs = new SQSClient({ endpoint: local.runtime.url, region, credentials });
});

async function send(queue: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
  const MessageAttributes = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"orderId":"O-1"}', MessageAttributes }));
  return String(MessageId);
}

async function lineageOf(id: string, until: (tree: Lineage) => boolean, what: string): Promise<Lineage> {
  return eventually(
    async () => {
      const response = await fetch(`${local.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.lineage}${id}`);
      const tree = (await response.json()) as Lineage;
      return tree.roots?.[0] && until(tree) ? tree : undefined;
    },
    10_000,
    what,
  );
}

/** Each node of the tree as `kind label`, indented by depth. */
function outline(node: LineageNode, depth = 0): string[] {
  return [`${'  '.repeat(depth)}${node.kind} ${node.label}`, ...node.children.flatMap((child) => outline(child, depth + 1))];
}

describe('The lineage of a failed record', () => {
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

    const lineage = await lineageOf(
      original,
      (tree) => outline(tree.roots[0] as LineageNode).length === 3,
      'the message, its dead letter and the copy sent back',
    );
    expect(outline(lineage.roots[0] as LineageNode)).toEqual([
      'message message to work',
      '  dead-letter sent to dead-letter queue work-dlq',
      '    message message to work, sent back from work-dlq',
    ]);
  });

  it('says an invocation reported its record failed (batchItemFailures), though Lambda calls the invocation a success', async () => {
    const message = await send('orders');
    const lineage = await lineageOf(
      message,
      (tree) => tree.roots[0]?.children.some((n) => n.kind === 'invocation' && n.status === 'succeeded') === true,
      'the invocation of the refuser',
    );
    const invocation = lineage.roots[0]?.children.find((n) => n.kind === 'invocation');
    expect(invocation).toMatchObject({
      status: 'succeeded',
      reason: 'reported 1 of its 1 records failed (batchItemFailures): SQS delivers it again',
    });
  });
});

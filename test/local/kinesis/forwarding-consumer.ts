import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { inlineFunction } from '../template-resources.js';

/**
 * A function `consumer` that sends each Kinesis record's data, decoded, to the queue
 * `handled`: what the Kinesis mapping tests read back. `delayMs` after each record keeps a
 * batch in flight long enough for a crash to land in it.
 */
export function forwardingConsumer(delayMs = 0, properties: Record<string, unknown> = {}): TemplateResource {
  const pause = delayMs > 0 ? `\n    await new Promise((resolve) => setTimeout(resolve, ${delayMs}));` : '';
  const code = `const { SQSClient, SendMessageCommand, GetQueueUrlCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
exports.handler = async (event) => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'handled' }));
  for (const r of event.Records) {
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: Buffer.from(r.kinesis.data, 'base64').toString() }));${pause}
  }
};`;
  return inlineFunction(code, { FunctionName: 'consumer', Runtime: 'nodejs22.x', ...properties });
}

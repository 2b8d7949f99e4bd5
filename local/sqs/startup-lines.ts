import { tryParseArn } from '../names/arn.js';
import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';
import type { QueueDefinition } from './definitions.js';

/**
 * The app's queues, listed, and sending to one as a command to try (after publishing to a
 * topic, before starting an execution). A message sent to a dead-letter queue shows nothing
 * of the app: one of its working queues is suggested.
 */
export function queueReport(queues: readonly QueueDefinition[], url: string, accountId: string): ServiceReport {
  const deadLetterQueues = new Set(queues.flatMap((q) => deadLetterTargetName(q.attributes.RedrivePolicy)));
  const queueUrls = [...queues.filter((q) => !deadLetterQueues.has(q.name)), ...queues.filter((q) => deadLetterQueues.has(q.name))].map(
    (q) => `${url}/${accountId}/${q.name}`,
  );
  const [queueUrl] = queueUrls;
  if (queueUrl === undefined) return {};
  return {
    tryIt: {
      rank: 2,
      listing: `  queues: ${queueUrls.join(', ')}`,
      command: `sqs send-message --queue-url ${queueUrl} --message-body ${shellQuote('{}')}`,
    },
  };
}

/** The queue name a RedrivePolicy sends to. */
function deadLetterTargetName(redrivePolicy: string | undefined): string[] {
  if (redrivePolicy === undefined) return [];
  try {
    const target = (JSON.parse(redrivePolicy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof target === 'string' ? [tryParseArn(target)?.resourceId ?? target] : [];
  } catch {
    return [];
  }
}

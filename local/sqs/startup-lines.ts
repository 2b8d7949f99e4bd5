import { tryParseArn } from '../names/arn.js';
import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';
import type { QueueDefinition } from './definitions.js';

/**
 * The app's queues, listed, and sending to one as a command to try (after publishing to a
 * topic, before starting an execution). A message sent to a dead-letter queue shows nothing
 * of the app, nor one sent to a queue the app only writes results to (a Lambda function's
 * asynchronous destination or dead-letter queue, `resultQueueArns`): one of its working
 * queues is suggested, and when it has none, a command of another service is (rank 5, after
 * invoking a function).
 */
export function queueReport(
  queues: readonly QueueDefinition[],
  url: string,
  accountId: string,
  resultQueueArns: readonly string[] = [],
): ServiceReport {
  const receiving = new Set([
    ...queues.flatMap((q) => deadLetterTargetName(q.attributes.RedrivePolicy)),
    ...resultQueueArns.map((arn) => tryParseArn(arn)?.resourceId ?? arn),
  ]);
  const working = queues.filter((q) => !receiving.has(q.name));
  const queueUrls = [...working, ...queues.filter((q) => receiving.has(q.name))].map((q) => `${url}/${accountId}/${q.name}`);
  const [queueUrl] = queueUrls;
  if (queueUrl === undefined) return {};
  return {
    tryIt: {
      rank: working.length > 0 ? 2 : 5,
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

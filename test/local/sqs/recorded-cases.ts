import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../../local/runtime.js';
import { credentials, region } from '../helpers.js';
import { ATTRIBUTE_CASES } from './recorded-cases-attributes.js';
import { FIFO_CASES } from './recorded-cases-fifo.js';
import { MESSAGE_CASES } from './recorded-cases-messages.js';
import { MOVE_TASK_CASES, MOVE_TASK_REAL_TIME } from './recorded-cases-move-tasks.js';
import { QUEUE_CASES } from './recorded-cases-queues.js';
import { VISIBILITY_CASES, VISIBILITY_REAL_TIME } from './recorded-cases-visibility.js';
import { type Answer, asBoto, type RawAnswer, type Replay, type ReplayContext } from './recorded-replay.js';

/** Every replayed recorded test, by its name in test_sqs.snapshot.json. */
export const CASES: Record<string, Replay> = {
  ...QUEUE_CASES,
  ...ATTRIBUTE_CASES,
  ...MESSAGE_CASES,
  ...FIFO_CASES,
  ...VISIBILITY_CASES,
  ...MOVE_TASK_CASES,
};

/** The replays that wait seconds of real time (npm test leaves them to SWITCHYARD_CONFORMANCE=1). */
export const REAL_TIME: readonly string[] = [...VISIBILITY_REAL_TIME, ...MOVE_TASK_REAL_TIME];

let counter = 0;

export function replayContext(runtime: LocalRuntime, sqs: SQSClient, last: () => RawAnswer | undefined): ReplayContext {
  // Any SQS command: the SDK's per-command middleware types do not widen to its union.
  const call = (command: object) => asBoto(() => sqs.send(command as never), last) as Promise<Answer>;
  const name = () => `recorded-${process.pid}-${++counter}`;
  return {
    call,
    name,
    async queue(input = {}) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name(), ...input }));
      if (!QueueUrl) throw new Error('CreateQueue answered no QueueUrl');
      return QueueUrl;
    },
    query: (params) => queryCall(runtime.url, params),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** A query-protocol call signed with nothing (the local endpoint does not check signatures); an error as botocore parses it. */
async function queryCall(url: string, params: Record<string, string>): Promise<Answer> {
  const body = new URLSearchParams({ Version: '2012-11-05', ...params });
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const xml = await response.text();
  const field = (tag: string) => xml.match(new RegExp(`<${tag}>([^<]*)</${tag}>`))?.[1];
  if (response.status >= 400) {
    const error: Record<string, unknown> = { Code: field('Code'), Message: field('Message'), Type: field('Type') };
    if (/<Detail\s*\/>|<Detail><\/Detail>/.test(xml)) error.Detail = null;
    return { Error: error, ResponseMetadata: { HTTPStatusCode: response.status } };
  }
  return { xml, ResponseMetadata: { HTTPStatusCode: response.status } };
}

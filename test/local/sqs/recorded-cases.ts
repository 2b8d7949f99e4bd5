import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalRuntime } from '../../../local/runtime.js';
import type { RawAnswer } from '../../helpers/recorded-answers.js';
import { credentials, region } from '../helpers.js';
import { ASSERTION_CASES } from './recorded-cases-assertions.js';
import { ATTRIBUTE_CASES } from './recorded-cases-attributes.js';
import { FIFO_CASES } from './recorded-cases-fifo.js';
import { MESSAGE_CASES } from './recorded-cases-messages.js';
import { MOVE_TASK_CASES, MOVE_TASK_REAL_TIME } from './recorded-cases-move-tasks.js';
import { QUEUE_CASES } from './recorded-cases-queues.js';
import { VISIBILITY_CASES, VISIBILITY_REAL_TIME } from './recorded-cases-visibility.js';
import { queryCommand, queryError } from './recorded-query-client.js';
import { type Answer, asBoto, type Replay, type ReplayContext, recordedTests } from './recorded-replay.js';

const JSON_CASES: Record<string, Replay> = {
  ...QUEUE_CASES,
  ...ATTRIBUTE_CASES,
  ...MESSAGE_CASES,
  ...FIFO_CASES,
  ...VISIBILITY_CASES,
  ...MOVE_TASK_CASES,
  ...ASSERTION_CASES,
};

/**
 * Every replayed recorded test, by its name in the held snapshots: the JSON-protocol ones, and
 * the `[sqs_query]` twin of each that is held, the same calls made through the query client.
 */
export const CASES: Record<string, Replay> = { ...JSON_CASES, ...queryTwins(JSON_CASES) };

function queryTwins(cases: Record<string, Replay>): Record<string, Replay> {
  const held = new Set(recordedTests());
  return Object.fromEntries(
    Object.entries(cases).flatMap(([test, replay]) => {
      const twin = test.replace('[sqs]', '[sqs_query]').replace('[sqs-', '[sqs_query-');
      if (twin === test || !held.has(twin)) return [];
      return [[twin, ((context) => replay({ ...context, call: context.queryCommand })) satisfies Replay]];
    }),
  );
}

/** The replays that wait seconds of real time, and their query twins (npm test leaves them to SWITCHYARD_CONFORMANCE=1). */
export const REAL_TIME: readonly string[] = [...VISIBILITY_REAL_TIME, ...MOVE_TASK_REAL_TIME].flatMap((test) => {
  const twin = test.replace('[sqs]', '[sqs_query]');
  return twin !== test && Object.hasOwn(CASES, twin) ? [test, twin] : [test];
});

let counter = 0;

export function replayContext(runtime: LocalRuntime, sqs: SQSClient, last: () => RawAnswer | undefined): ReplayContext {
  // Any SQS command: the SDK's per-command middleware types do not widen to its union.
  const call = (command: object) => asBoto(() => sqs.send(command as never), last) as Promise<Answer>;
  const name = () => `recorded-${process.pid}-${++counter}`;
  return {
    call,
    json: call,
    name,
    async queue(input = {}) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name(), ...input }));
      if (!QueueUrl) throw new Error('CreateQueue answered no QueueUrl');
      return QueueUrl;
    },
    query: (params) => queryCall(runtime.url, params),
    queryCommand: (command) => queryCommand(runtime.url, command),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** One query-protocol (XML) call of raw parameters, as the recordings' `sqs_query` client makes it; the error as botocore reports it. */
async function queryCall(url: string, params: Record<string, string>): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Version: '2012-11-05', ...params }),
  });
  const xml = await response.text();
  return response.status >= 400 ? queryError(xml, response.status) : { xml, ResponseMetadata: { HTTPStatusCode: response.status } };
}

import { readFileSync } from 'node:fs';
import { type CreateQueueCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { LocalRuntime } from '../../../local/runtime.js';
import { caseDifferences, keepRawAnswers, pythonShape, type RawAnswer, withoutMessageCopy } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';

import { credentials, disposableData, region } from '../helpers.js';

/**
 * Replays calls recorded against real SQS (test/conformance/aws-recorded/sqs/) on the local
 * runtime and compares the answers as the recordings' snapshot transformers leave them: a
 * recorded `<uuid:1>`, `<receipt-handle:2>`, `<sequence-number:1>`, ... stands for one value
 * that must be the same wherever the same placeholder appears (and differ where another
 * does), `timestamp` for epoch milliseconds, and a string with placeholders inside (an ARN,
 * an error message naming a queue) for any text in their place. Everything else must be
 * equal, including which keys are present: AWS leaves empty lists and maps out.
 *
 * Newer botocore also copies a modelled error's `message` member to the top of the answer
 * (some recordings have it, older ones not): a recorded top-level `message` equal to
 * `Error.Message` is that copy and is not compared separately.
 */

export type Answer = Record<string, unknown> & { Messages?: unknown[]; Error?: unknown };

export interface ReplayContext {
  /** Sends a command as the test's `aws_sqs_client` (JSON, or query in an `[sqs_query]` twin); its answer (or error) as botocore reported it in the recording. */
  call: (command: object) => Promise<Answer>;
  /** Sends a command as the test's fixtures and `aws_client.sqs` do: in JSON, whichever client the test is parametrized with. */
  json: (command: object) => Promise<Answer>;
  /** Creates a queue (a fresh name unless given) as the test's `sqs_create_queue` fixture; its URL. */
  queue: (input?: Partial<CreateQueueCommandInput>) => Promise<string>;
  /** A fresh queue name. */
  name: () => string;
  /** One query-protocol (XML) call, as the recordings' `sqs_query` client makes it; the error as botocore reports it. */
  query: (params: Record<string, string>) => Promise<Answer>;
  /** Sends an SDK command through the query client instead (the `[sqs_query]` twin of a replay). */
  queryCommand: (command: object) => Promise<Answer>;
  sleep: (ms: number) => Promise<void>;
}

export type Replay = (context: ReplayContext) => Promise<Record<string, unknown>>;

interface RecordedCase {
  'recorded-date': string;
  'recorded-content': Record<string, unknown>;
}

/** The held recordings, one file per test module; their test names do not overlap. */
const FILES = ['test_sqs.snapshot.json', 'test_sqs_move_task.snapshot.json'];
const RECORDED = Object.assign(
  {},
  ...FILES.map(
    (file) =>
      JSON.parse(readFileSync(new URL(`../../conformance/aws-recorded/sqs/${file}`, import.meta.url), 'utf8')) as Record<
        string,
        RecordedCase
      >,
  ),
) as Record<string, RecordedCase>;

/** The recorded answers of one test of test_sqs.py or test_sqs_move_task.py, by snapshot key. */
export function recorded(test: string): Record<string, unknown> {
  const found = RECORDED[test];
  if (!found) throw new Error(`no recorded case ${test}`);
  return found['recorded-content'];
}

export const recordedTests = (): string[] => Object.keys(RECORDED);

/** A runtime with no app (queues are made by the replayed calls) and an SDK v3 client whose raw answers are kept. */
export async function startReplay(): Promise<{ runtime: LocalRuntime; sqs: SQSClient; last: () => RawAnswer | undefined }> {
  const runtime = await LocalRuntime.start({ cdkOut: assemblyOf({}), ...disposableData(), port: 0, log: () => undefined });
  const sqs = new SQSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  return { runtime, sqs, last: keepRawAnswers(sqs) };
}

/**
 * What botocore (which made the recordings) reports for an answer: the output without the
 * SDK's `$metadata`, binary values as Python bytes literals, and `ResponseMetadata` with
 * the status; an error as `{ Error: { Code, Message, QueryErrorCode, Type } }` with the
 * legacy code and fault from `x-amzn-query-error` and the shape name from the SDK.
 */
export async function asBoto(call: () => Promise<object>, last: () => RawAnswer | undefined): Promise<Record<string, unknown>> {
  try {
    const output = (await call()) as Record<string, unknown> & { $metadata: { httpStatusCode?: number } };
    const { $metadata, ...rest } = output;
    return { ...(pythonShape(rest) as object), ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
  } catch (error) {
    const raw = last();
    if (!(error instanceof Error) || !raw) throw error;
    const [code, type] = (raw.headers['x-amzn-query-error'] ?? '').split(';');
    const shape = String((JSON.parse(raw.body) as { __type?: string }).__type ?? '').replace(/^.*#/, '');
    return {
      Error: { Code: code, Message: error.message, QueryErrorCode: shape, Type: type },
      ResponseMetadata: { HTTPStatusCode: raw.status },
    };
  }
}

/** Compares every recorded answer of a test with the live ones, keyed alike; returns the differences. */
export function compareCase(test: string, live: Record<string, unknown>): string[] {
  return caseDifferences(recorded(test), live, withoutMessageCopy);
}

import { readFileSync } from 'node:fs';
import { type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LocalRuntime } from '../../../local/runtime.js';
import { type StreamsClient, streamsClient } from '../../helpers/dynamodb-streams.js';
import { type TableLayout, tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { createActiveTable } from '../../helpers/dynamodb-tables.js';
import { caseDifferences, isObject, pythonShape } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';

import { credentials, disposableData, region } from '../helpers.js';

/**
 * Replays calls recorded against real DynamoDB and DynamoDB Streams
 * (test/conformance/aws-recorded/dynamodb/) on the local runtime, comparing the answers as the
 * recordings' snapshot transformers left them (see test/helpers/recorded-answers.ts):
 * botocore's response dicts with `HTTPHeaders: {}`, dates as `datetime`, a shard's starting
 * sequence number as `starting-sequence-number`, bytes as Python bytes literals.
 */

type Answer = Record<string, unknown>;

export interface ReplayContext {
  readonly dynamodb: DynamoDBClient;
  readonly streams: StreamsClient;
  /** The runtime's endpoint, for clients of other services (KMS). */
  readonly endpoint: string;
  /** An answer (or error) as botocore's response dict. */
  call(send: Promise<unknown>): Promise<Answer>;
  /** A DynamoDB Streams answer (or error) as botocore's response dict (its dates parsed, as botocore parses them). */
  stream(operation: string, input: Record<string, unknown>): Promise<Answer>;
  /** An error as `str(ClientError)`: "An error occurred (Code) when calling the Op operation: Message". */
  errorText(operation: string, send: Promise<unknown>): Promise<string>;
  /** A fresh table name with a prefix. */
  name(prefix: string): string;
}

export type Replay = (context: ReplayContext) => Promise<Answer>;

/** The recordings of LocalStack's DynamoDB suite and of its DynamoDB Streams suite, by test name. */
const RECORDED = Object.assign(
  {},
  ...['test_dynamodb.snapshot.json', 'test_dynamodb_streams.snapshot.json'].map(
    (file) => JSON.parse(readFileSync(new URL(`../../conformance/aws-recorded/dynamodb/${file}`, import.meta.url), 'utf8')) as object,
  ),
) as Record<string, { 'recorded-content': Answer }>;

export const recordedTests = (): string[] => Object.keys(RECORDED);

/** A runtime with no app (the replayed calls make the tables) and SDK v3 clients of DynamoDB and DynamoDB Streams. */
export async function startReplay(): Promise<{ runtime: LocalRuntime; context: ReplayContext; close: () => Promise<void> }> {
  const runtime = await LocalRuntime.start({ cdkOut: assemblyOf({}), ...disposableData(), port: 0, log: () => undefined });
  const options = { endpoint: runtime.url, region, credentials, maxAttempts: 1 };
  const dynamodb = new DynamoDBClient(options);
  const streams = streamsClient(runtime.url);
  let counter = 0;
  const context: ReplayContext = {
    dynamodb,
    streams,
    endpoint: runtime.url,
    call: (send) => asBoto(send),
    async stream(operation, input) {
      const { status, body } = await streams.answer(operation, input);
      const metadata = { ResponseMetadata: { HTTPHeaders: {}, HTTPStatusCode: status } };
      if (status === 200) return { ...(shape(withBlobs(body), STREAMS_DATES) as Answer), ...metadata };
      return { Error: { Code: String(body.__type).split('#').pop(), Message: body.message }, ...metadata };
    },
    async errorText(operation, send) {
      try {
        await send;
      } catch (error) {
        const e = error as Error;
        return `An error occurred (${e.name}) when calling the ${operation} operation: ${e.message}`;
      }
      throw new Error(`${operation} succeeded; the recording expects an error`);
    },
    name: (prefix) => `${prefix}-${process.pid}-${++counter}`,
  };
  return {
    runtime,
    context,
    async close() {
      dynamodb.destroy();
      streams.destroy();
      await runtime.stop();
    },
  };
}

/** botocore's view of an answer: the output (or an error's Error and modelled members) and ResponseMetadata. */
async function asBoto(send: Promise<unknown>): Promise<Answer> {
  try {
    const { $metadata, ...rest } = (await send) as Answer & { $metadata: { httpStatusCode?: number } };
    return { ...(shape(rest) as Answer), ResponseMetadata: { HTTPHeaders: {}, HTTPStatusCode: $metadata.httpStatusCode } };
  } catch (error) {
    const e = error as Error & Answer & { $metadata?: { httpStatusCode?: number } };
    if (e.$metadata === undefined) throw error;
    const members = Object.fromEntries(
      Object.entries(e).filter(
        ([key, value]) => !key.startsWith('$') && !['name', 'message', '__type', 'Message'].includes(key) && value !== undefined,
      ),
    );
    return {
      Error: { Code: e.name, Message: e.message },
      ...(shape(members) as Answer),
      ResponseMetadata: { HTTPHeaders: {}, HTTPStatusCode: e.$metadata.httpStatusCode },
    };
  }
}

/**
 * Binary attribute values of a JSON body as bytes, as botocore decodes them: in an
 * AttributeValue only is `B` a string (base64) and `BS` a list of them (an attribute named B
 * holds an AttributeValue object).
 */
function withBlobs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withBlobs);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (key === 'B' && typeof inner === 'string') return [key, Buffer.from(inner, 'base64')];
      if (key === 'BS' && Array.isArray(inner) && inner.every((b) => typeof b === 'string'))
        return [key, inner.map((b) => Buffer.from(b, 'base64'))];
      return [key, withBlobs(inner)];
    }),
  );
}

/** The members of DynamoDB Streams' answers that its model types as timestamps (epoch seconds in JSON). */
const STREAMS_DATES = new Set(['ApproximateCreationDateTime', 'CreationRequestDateTime']);

/**
 * Dates as the recordings' `datetime`, bytes as Python's, and the transformers' fixed values.
 * `dates` names the members that are dates in a JSON body read without the SDK.
 */
export function shape(value: unknown, dates: ReadonlySet<string> = new Set()): unknown {
  if (value instanceof Date) return 'datetime';
  if (value instanceof Uint8Array) return pythonShape(value);
  if (Array.isArray(value)) return value.map((inner) => shape(inner, dates));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, inner]) => inner !== undefined)
        .map(([key, inner]) => [
          key,
          key === 'StartingSequenceNumber'
            ? 'starting-sequence-number'
            : dates.has(key) && typeof inner === 'number'
              ? 'datetime'
              : shape(inner, dates),
        ]),
    );
  }
  return value;
}

/** Every recorded answer of a test against the live ones, keyed alike; the differences (none when they match). */
export function compareCase(test: string, live: Answer): string[] {
  const expected = RECORDED[test]?.['recorded-content'];
  if (!expected) return [`no recorded case ${test}`];
  return caseDifferences(expected, live, withoutMessageCopy);
}

/** botocore's top-level copy of an error's message is not compared (newer botocore adds it; the local answers' tests see Error.Message). */
function withoutMessageCopy(answer: unknown): unknown {
  if (!isObject(answer) || !isObject(answer.Error)) return answer;
  const { message: _copy, ...rest } = answer;
  return rest;
}

/** The tags LocalStack's tests give a table. */
export const TAGS = [
  { Key: 'Name', Value: 'test-table' },
  { Key: 'TestKey', Value: 'true' },
];

/** CreateTable's input for a table of `layout` as LocalStack's table fixtures make it: 5 read and 5 write units, and what `rest` adds. */
export const fixtureTable = (TableName: string, layout: TableLayout, rest: Partial<CreateTableCommandInput> = {}) =>
  tableInput(TableName, layout, { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 }, ...rest });

/** CreateTable's answer; the replay goes on once the table is ACTIVE, as the recorded tests' fixture waits for it. */
export const createTable = (c: ReplayContext, input: CreateTableCommandInput) => c.call(createActiveTable(c.dynamodb, input));

interface StreamDescription {
  StreamDescription: { Shards: { ShardId: string; SequenceNumberRange: { StartingSequenceNumber: string } }[] };
}

export const describeStream = (c: ReplayContext, streamArn: string) =>
  c.streams.send<StreamDescription>('DescribeStream', { StreamArn: streamArn });

/** The stream's records from its start, as the tests read them (one GetRecords: the local stream has them at once). */
export async function streamRecords(c: ReplayContext, streamArn: string, type = 'TRIM_HORIZON', sequence?: string) {
  const shard = (await describeStream(c, streamArn)).StreamDescription.Shards[0];
  const position = sequence === undefined ? {} : { SequenceNumber: sequence };
  const iterator = await c.stream('GetShardIterator', {
    StreamArn: streamArn,
    ShardId: shard?.ShardId,
    ShardIteratorType: type,
    ...position,
  });
  const { Records } = await c.stream('GetRecords', { ShardIterator: String(iterator.ShardIterator) });
  return { iterator, records: { Records } };
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ticketCreatedEntry } from '../helpers/hub.js';

export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const region = 'us-east-1';

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'switchyard-data-'));
}

/** A runtime's options for a new temporary data folder, whose databases skip the disk syncs (DataFolderKind). */
export function disposableData(): { dataDir: string; dataFolderKind: 'disposable' } {
  return { dataDir: tempDataDir(), dataFolderKind: 'disposable' };
}

export { processAlive } from '../../local/store/data-folder-lock.js';

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TicketCreated entry for the bus of test/fixtures/consumer-app.ts. */
export function ticketEntry(ticketId: string, subject = 'Charged twice') {
  return ticketCreatedEntry({ ticketId, customerId: 'C-1', subject, body: 'Please refund the second charge.' }, 'fixture-bus');
}

/** The execution once it is no longer RUNNING, as DescribeExecution answers it through the SDK. */
export async function executionEnded(sfn: SFNClient, executionArn: string, timeoutMs = 30_000): Promise<DescribeExecutionCommandOutput> {
  return eventually(
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    timeoutMs,
    'the execution to end',
  );
}

/** A DynamoDB client of the endpoint at `url` with the tests' region and credentials; `config` adds to them. */
export function dynamoDbClient(url: string, config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint: url, region, credentials, ...config });
}

/** The table names a DynamoDB endpoint lists (one client per call, closed after it). */
export async function tableNames(url: string): Promise<string[]> {
  const client = dynamoDbClient(url, { maxAttempts: 1 });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

/**
 * Receives the bodies of a queue's messages until `expected` have come. Each stays in flight
 * for 300 s, so that no later test of the file receives it again.
 */
export async function receiveBodies(sqs: SQSClient, queueUrl: string, expected: number, timeoutMs = 15_000): Promise<string[]> {
  const bodies: string[] = [];
  await eventually(
    async () => {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }));
      bodies.push(...(got.Messages ?? []).map((m) => m.Body as string));
      return bodies.length >= expected ? true : undefined;
    },
    timeoutMs,
    `${expected} messages in ${queueUrl}`,
  );
  return bodies;
}

/**
 * What `promise` is rejected with, which must be a `type` (an error class): a promise that
 * resolves, or rejects with anything else, fails the test saying so.
 */
export async function rejectionOf<E>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected a ${type.name}, the call failed with ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a ${type.name}, the call succeeded`);
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';

export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const region = 'us-east-1';

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'switchyard-data-'));
}

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

export function ticketEntry(ticketId: string, subject = 'Charged twice') {
  return {
    EventBusName: 'fixture-bus',
    Source: 'switchyard.helpdesk',
    DetailType: 'TicketCreated',
    Detail: JSON.stringify({ ticketId, customerId: 'C-1', subject, body: 'Please refund the second charge.' }),
  };
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

/** The table names a DynamoDB endpoint lists (one client per call, closed after it). */
export async function tableNames(url: string): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint: url, region, credentials, maxAttempts: 1 });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { useCrashableApps } from '../helpers/crashable-apps.js';
import { tableResource } from '../helpers/dynamodb-table-inputs.js';
import { bundleAsNodejsFunction } from '../helpers/function-bundles.js';
import { writeAssembly } from '../local/assembly.js';
import { credentials, region } from '../local/helpers.js';
import { assetFunction } from '../local/template-resources.js';

const START = 1000;

/**
 * A function that moves money between two accounts in one transaction, as an app does: the
 * debit conditional on the balance, the credit, and the transfer's own record (its id once).
 * `partiql` makes the same transaction with PartiQL's ExecuteTransaction instead of
 * TransactWriteItems. A transaction a condition cancels is answered `{ ok: false, reasons }`.
 */
const TRANSFER = `
import { DynamoDBClient, ExecuteTransactionCommand, TransactWriteItemsCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event: { id: string; from: string; to: string; amount: number; partiql?: boolean }) => {
  const amount = String(event.amount);
  try {
    if (event.partiql) {
      await client.send(new ExecuteTransactionCommand({ TransactStatements: [
        { Statement: 'UPDATE accounts SET balance = balance - ? WHERE pk = ? AND balance >= ?', Parameters: [{ N: amount }, { S: event.from }, { N: amount }] },
        { Statement: 'UPDATE accounts SET balance = balance + ? WHERE pk = ?', Parameters: [{ N: amount }, { S: event.to }] },
        { Statement: "INSERT INTO accounts VALUE {'pk': ?, 'amount': ?}", Parameters: [{ S: 'transfer#' + event.id }, { N: amount }] },
      ] }));
    } else {
      await client.send(new TransactWriteItemsCommand({ TransactItems: [
        { Update: { TableName: 'accounts', Key: { pk: { S: event.from } }, UpdateExpression: 'SET balance = balance - :a',
            ConditionExpression: 'balance >= :a', ExpressionAttributeValues: { ':a': { N: amount } } } },
        { Update: { TableName: 'accounts', Key: { pk: { S: event.to } }, UpdateExpression: 'SET balance = balance + :a',
            ExpressionAttributeValues: { ':a': { N: amount } } } },
        { Put: { TableName: 'accounts', Item: { pk: { S: 'transfer#' + event.id }, amount: { N: amount } },
            ConditionExpression: 'attribute_not_exists(pk)' } },
      ] }));
    }
    return { ok: true };
  } catch (error) {
    if (error instanceof TransactionCanceledException) return { ok: false, reasons: error.CancellationReasons?.map((r) => r.Code) };
    if ((error as Error).name === 'TransactionCanceledException') return { ok: false, reasons: (error as { CancellationReasons?: { Code: string }[] }).CancellationReasons?.map((r) => r.Code) };
    throw error;
  }
};`;

/** The app: the accounts table and the transfer function (its bundle built as NodejsFunction builds one, the SDK included). */
async function transferApp(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-transfer-app-'));
  await bundleAsNodejsFunction(TRANSFER, path.join(dir, 'asset.transfer', 'index.js'));
  return writeAssembly(dir, {
    Bank: {
      template: {
        Resources: {
          Accounts: tableResource('accounts', { key: { pk: 'S' } }, { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } }),
          Transfer: assetFunction('transfer', 'asset.transfer', { Runtime: 'nodejs22.x', Timeout: 30 }),
        },
      },
    },
  });
}

const crashable = useCrashableApps();

describe('DynamoDB transactions in an app, across a SIGKILL', () => {
  it('keeps money whole: every transfer, TransactWriteItems or PartiQL, applied all or nothing; a transfer its condition cancels changes nothing', async () => {
    const app = await crashable(await transferApp());
    const config = () => ({ endpoint: app.endpoint, region, credentials, maxAttempts: 1 });
    const dynamodb = new DynamoDBClient(config());
    const lambda = new LambdaClient(config());
    await dynamodb.send(new PutItemCommand({ TableName: 'accounts', Item: { pk: { S: 'alice' }, balance: { N: String(START) } } }));
    await dynamodb.send(new PutItemCommand({ TableName: 'accounts', Item: { pk: { S: 'bob' }, balance: { N: '0' } } }));
    const transfer = async (event: object) => {
      const { Payload, FunctionError } = await lambda.send(new InvokeCommand({ FunctionName: 'transfer', Payload: JSON.stringify(event) }));
      const answer = JSON.parse(Buffer.from(Payload ?? new Uint8Array()).toString('utf8')) as { ok?: boolean; reasons?: string[] };
      if (FunctionError) throw new Error(`transfer failed: ${JSON.stringify(answer)}`);
      return answer;
    };

    // A transfer over the balance: its condition cancels the whole transaction, in either form.
    expect(await transfer({ id: 'too-much', from: 'alice', to: 'bob', amount: START + 1 })).toEqual({
      ok: false,
      reasons: ['ConditionalCheckFailed', 'None', 'None'],
    });
    expect((await transfer({ id: 'too-much-partiql', from: 'alice', to: 'bob', amount: START + 1, partiql: true })).ok).toBe(false);

    // Transfers of 1 in flight from four callers, two with PartiQL, when the runtime is killed.
    let next = 0;
    let stopped = false;
    const callers = Array.from({ length: 4 }, async (_, caller) => {
      while (!stopped) {
        const id = `t${next++}`;
        await transfer({ id, from: 'alice', to: 'bob', amount: 1, partiql: caller % 2 === 1 }).catch(() => undefined);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await app.crash();
    stopped = true;
    await Promise.all(callers);

    // After the restart: what was written is whole. Money moved equals the transfers recorded.
    const after = new DynamoDBClient(config());
    const { Items = [] } = await after.send(new ScanCommand({ TableName: 'accounts', ConsistentRead: true }));
    const balance = (pk: string) => Number(Items.find((item) => item.pk?.S === pk)?.balance?.N);
    const transfers = Items.filter((item) => item.pk?.S?.startsWith('transfer#'));
    expect(transfers.length).toBeGreaterThan(0);
    expect(transfers.map((item) => item.pk?.S)).not.toContain('transfer#too-much');
    expect({ alice: balance('alice'), bob: balance('bob') }).toEqual({ alice: START - transfers.length, bob: transfers.length });
    // And the app goes on after the restart.
    expect(await transfer({ id: 'after', from: 'alice', to: 'bob', amount: 1, partiql: true })).toEqual({ ok: true });
    for (const client of [dynamodb, lambda, after]) client.destroy();
  }, 180_000);
});

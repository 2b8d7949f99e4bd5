import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { CreateTableCommand, ExecuteTransactionCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../local/store/data-folder.js';
import { tableInput } from '../../helpers/dynamodb-table-inputs.js';
import { dynamoDbClient, tempDataDir } from '../helpers.js';

const ACTIONS = 10;

/** Starts the engine in a process of its own; resolves with it and its URL. */
async function engineProcess(folder: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'engine-process.ts'), folder], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
    child.once('exit', (code) => reject(new Error(`the engine's process exited with ${code} before it served`)));
  });
  return { child, url };
}

describe('the local DynamoDB killed during transactions', () => {
  it("keeps each transaction's writes and stream records all or none, TransactWriteItems' and PartiQL's, whatever moment SIGKILL comes", async () => {
    const folder = tempDataDir();
    const { child, url } = await engineProcess(folder);
    const client = dynamoDbClient(url, { maxAttempts: 1 });
    await client.send(
      new CreateTableCommand(
        tableInput('ledger', { key: { pk: 'S' } }, { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
      ),
    );
    let next = 0;
    const acknowledgedBy = { TransactWriteItems: 0, ExecuteTransaction: 0 };
    /** A transaction of ACTIONS new items, made with TransactWriteItems or with PartiQL's ExecuteTransaction. */
    const transact = (transaction: number, partiql: boolean) =>
      partiql
        ? client.send(
            new ExecuteTransactionCommand({
              TransactStatements: Array.from({ length: ACTIONS }, (_, a) => ({
                Statement: "INSERT INTO ledger VALUE {'pk': ?, 'transaction': ?}",
                Parameters: [{ S: `t${transaction}-${a}` }, { N: String(transaction) }],
              })),
            }),
          )
        : client.send(
            new TransactWriteItemsCommand({
              TransactItems: Array.from({ length: ACTIONS }, (_, a) => ({
                Put: { TableName: 'ledger', Item: { pk: { S: `t${transaction}-${a}` }, transaction: { N: String(transaction) } } },
              })),
            }),
          );
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      const partiql = writer % 2 === 1;
      for (;;) {
        const transaction = next++;
        try {
          await transact(transaction, partiql);
          acknowledgedBy[partiql ? 'ExecuteTransaction' : 'TransactWriteItems']++;
        } catch {
          return; // The process is gone.
        }
      }
    });
    // Killed while the writers are in full flow.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGKILL');
    await Promise.all(writers);
    await new Promise((resolve) => child.once('exit', resolve));
    client.destroy();

    const db = openDatabase(path.join(folder, 'tables.sqlite'));
    try {
      const items = db.prepare('SELECT item FROM dynamodb_items').all() as { item: string }[];
      const records = db.prepare('SELECT record FROM records').all() as { record: string }[];
      const count = (texts: string[]) => {
        const per = new Map<string, number>();
        for (const text of texts) {
          const transaction = /"transaction":\{"N":"(\d+)"\}/.exec(text)?.[1] as string;
          per.set(transaction, (per.get(transaction) ?? 0) + 1);
        }
        return per;
      };
      const itemsPer = count(items.map((row) => row.item));
      const recordsPer = count(records.map((row) => row.record));
      expect(acknowledgedBy.TransactWriteItems).toBeGreaterThan(0);
      expect(acknowledgedBy.ExecuteTransaction).toBeGreaterThan(0);
      expect(itemsPer.size).toBeGreaterThanOrEqual(acknowledgedBy.TransactWriteItems + acknowledgedBy.ExecuteTransaction);
      for (const [transaction, written] of itemsPer) {
        expect({ transaction, written, recorded: recordsPer.get(transaction) }).toEqual({
          transaction,
          written: ACTIONS,
          recorded: ACTIONS,
        });
      }
      expect(recordsPer.size).toBe(itemsPer.size);
    } finally {
      db.close();
    }
  });
});

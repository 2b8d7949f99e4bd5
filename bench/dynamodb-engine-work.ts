/**
 * What the local DynamoDB's engine spends on one event of bench:runtime's pipeline, in this
 * process (no HTTP, no thread): the consumer's three requests (the idempotency record's
 * conditional PutItem, the side effect's UpdateItem, the record's completing UpdateItem), each
 * handled and its answer written as the engine's thread writes it, on an in-memory database.
 * Given several checkouts, their engines run alternating, so that the figures compare on a
 * busy machine (bench/runtime-cpu-pairs.ts).
 */

import type { ServerResponse } from 'node:http';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { DynamoDbEngine } from '../local/dynamodb/engine/engine.js';
import { percentile } from './stats.js';

const EVENTS = 3000;
const WARM_UP = 300;

interface Subject {
  readonly engine: DynamoDbEngine;
  readonly sendJson: (res: ServerResponse, status: number, payload: unknown) => void;
}

async function subject(checkout: string): Promise<Subject> {
  const { DynamoDbEngine: Engine } = (await import(
    path.join(checkout, 'local/dynamodb/engine/engine.ts')
  )) as typeof import('../local/dynamodb/engine/engine.js');
  const { sendJson } = (await import(
    path.join(checkout, 'local/dynamodb/engine/http.ts')
  )) as typeof import('../local/dynamodb/engine/http.js');
  const engine = new Engine(new DatabaseSync(':memory:'), {
    region: 'us-east-1',
    accountId: '000000000000',
    now: Date.now,
    streams: {
      of: () => undefined,
      enable: () => {
        throw new Error('the benchmark makes no stream');
      },
      disable: () => {},
    },
  });
  for (const [table, key] of [
    ['effects', 'ticketId'],
    ['idempotency', 'id'],
  ] as const) {
    engine.handle(
      'CreateTable',
      JSON.stringify({
        TableName: table,
        KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  return { engine, sendJson };
}

/** The requests the consumer (test/fixtures/record-ticket.ts, Powertools' idempotency) makes for one ticket. */
function requests(ticketId: string): [string, unknown][] {
  const record = { id: { S: `recorder#${ticketId}` } };
  return [
    [
      'PutItem',
      {
        TableName: 'idempotency',
        Item: { ...record, status: { S: 'INPROGRESS' }, expiration: { N: '1800000000' }, in_progress_expiration: { N: '1800000000000' } },
        ConditionExpression:
          'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
        ExpressionAttributeNames: {
          '#id': 'id',
          '#expiry': 'expiration',
          '#in_progress_expiry': 'in_progress_expiration',
          '#status': 'status',
        },
        ExpressionAttributeValues: {
          ':now': { N: '1700000000' },
          ':now_in_millis': { N: '1700000000000' },
          ':inprogress': { S: 'INPROGRESS' },
        },
      },
    ],
    [
      'UpdateItem',
      {
        TableName: 'effects',
        Key: { ticketId: { S: ticketId } },
        UpdateExpression: 'ADD runs :one SET startedAt = if_not_exists(startedAt, :startedAt)',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':startedAt': { N: '1700000000000' } },
      },
    ],
    [
      'UpdateItem',
      {
        TableName: 'idempotency',
        Key: record,
        UpdateExpression: 'SET #response_data = :response_data, #expiry = :expiry, #status = :status',
        ExpressionAttributeNames: { '#response_data': 'data', '#expiry': 'expiration', '#status': 'status' },
        ExpressionAttributeValues: {
          ':response_data': { S: '{"batchItemFailures":[]}' },
          ':expiry': { N: '1700003600' },
          ':status': { S: 'COMPLETED' },
        },
      },
    ],
  ];
}

const answered = { writeHead: () => answered, end: () => answered } as unknown as ServerResponse;

function oneEvent({ engine, sendJson }: Subject, ticketId: string): void {
  for (const [operation, input] of requests(ticketId)) {
    const [result] = engine.handleAll([{ operation, body: JSON.stringify(input) }]);
    if (result === undefined || 'error' in result)
      throw new Error(`${operation} failed: ${String(result && 'error' in result ? result.error : 'no answer')}`);
    sendJson(answered, 200, result.output);
  }
}

/** Milliseconds of CPU per event for each checkout's engine, median of `rounds` alternating runs. */
export async function engineWorkPerEvent(checkouts: readonly string[], rounds: number): Promise<Map<string, number>> {
  const subjects = await Promise.all(checkouts.map(async (checkout) => [checkout, await subject(checkout)] as const));
  const samples = new Map<string, number[]>(checkouts.map((checkout) => [checkout, []]));
  let ticket = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [checkout, engine] of round % 2 === 0 ? subjects : [...subjects].reverse()) {
      for (let i = 0; i < WARM_UP; i++) oneEvent(engine, `T-${ticket++}`);
      const before = process.cpuUsage();
      for (let i = 0; i < EVENTS; i++) oneEvent(engine, `T-${ticket++}`);
      const used = process.cpuUsage(before);
      samples.get(checkout)?.push((used.user + used.system) / 1000 / EVENTS);
    }
  }
  return new Map([...samples].map(([checkout, values]) => [checkout, percentile(values, 50)]));
}

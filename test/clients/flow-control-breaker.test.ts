import { describe, expect, it } from 'vitest';
import { type DeclaredFlow, type FlowControlItem, flowControlReport, flowKeyCells, flowOutcomeOf } from '../../clients/flow-control.js';
import type { FlowControlSettings } from '../../contracts/flow-control.js';
import { admitThroughBreaker, settleBreaker } from '../../lambdas/kit/flow-control/breaker.js';
import { useDynamoDb } from '../helpers/dynamodb-engine.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../helpers/events.js';
import { FakeSqs } from '../helpers/fake-sqs.js';
import { flowControlledConsumer, flowControlStore, linesLoggedWhile } from '../helpers/flow-control.js';

const dynamo = useDynamoDb();

type Store = Awaited<ReturnType<typeof flowControlStore>>;
const breaker = { failureThreshold: 2, windowSeconds: 60, openSeconds: 30, maxOpenSeconds: 600 };
const settings: FlowControlSettings = { flow: 'App/Triage', key: { path: '$.detail.customerId' }, circuitBreaker: breaker };
const declared: DeclaredFlow[] = [{ function: 'Triage', table: 'flow-control', settings }];
const providerDown = () => Object.assign(new Error('upstream returned 503'), { name: 'ServiceUnavailableException' });

const itemsOf = (store: Store) => dynamo.items<FlowControlItem>(store.tableName);

describe('flowControlReport of circuit breakers', () => {
  it('shows an open circuit until when, a half-open one, and a closed one counting failures, as the kit wrote them', async () => {
    const store = await flowControlStore(dynamo);
    const target = (key: string) => ({ flow: settings.flow, key });
    const closed = { kind: 'closed', failures: 0 } as const;
    for (let i = 0; i < 2; i++) await settleBreaker(store, target('acme'), closed, breaker, providerDown());
    await settleBreaker(store, target('globex'), closed, breaker, providerDown());
    const openUntil = new Date(store.clock.ms + 30_000).toISOString();
    const report = flowControlReport({ items: await itemsOf(store), declared, now: store.clock.ms });
    expect(report.keys).toEqual([
      {
        flow: 'App/Triage',
        key: 'acme',
        circuit: { state: 'open', openUntil, lastFailure: 'ServiceUnavailableException: upstream returned 503' },
      },
      { flow: 'App/Triage', key: 'globex', circuit: { state: 'closed', failures: 1, threshold: 2 } },
    ]);
    expect(report.keys.map((k) => flowKeyCells(k).circuit)).toEqual([`open until ${openUntil.slice(11, 19)}Z`, 'closed, 1/2 failures']);

    store.clock.advance(30_000);
    await admitThroughBreaker(store, target('acme'), breaker, { messageId: 'm-probe', remainingMs: 10_000 });
    const later = flowControlReport({ items: await itemsOf(store), declared, now: store.clock.ms });
    expect(later.keys.map((k) => flowKeyCells(k).circuit)).toEqual(['half-open (probing)', 'closed, 1/2 failures']);
    // Past the window, globex's one failure no longer counts, as in the kit.
    store.clock.advance(30_001);
    const after = flowControlReport({ items: await itemsOf(store), declared, now: store.clock.ms });
    expect(after.keys.map((k) => [k.key, flowKeyCells(k).circuit])).toEqual([['acme', 'half-open (probing)']]);
  });
});

describe('flowOutcomeOf a circuit breaker', () => {
  it('reads the opened circuit and the held-back record from the lines a real consumer logs, which never dead-letters them', async () => {
    const store = await flowControlStore(dynamo);
    const sqs = new FakeSqs();
    const { lines, result: third } = await linesLoggedWhile(async () => {
      const handler = flowControlledConsumer(sqs, { store, settings }, async () => {
        throw providerDown();
      });
      const record = (id: string) => sqsRecord(ticketCreated(id, { customerId: 'acme' }), `msg-${id}`);
      await handler(sqsEvent(record('T-1')), lambdaContext());
      await handler(sqsEvent(record('T-2')), lambdaContext());
      return handler(sqsEvent(record('T-3')), lambdaContext());
    });
    const openUntil = new Date(store.clock.ms + 30_000).toISOString();
    const outcomes = lines.flatMap((line) => flowOutcomeOf(line) ?? []);
    expect(outcomes).toEqual([
      expect.objectContaining({ outcome: 'circuit-opened', key: 'acme', openUntil }),
      expect.objectContaining({ outcome: 'held-back', key: 'acme', reason: 'circuit-open', messageId: 'msg-T-3' }),
    ]);
    expect(third.batchItemFailures).toEqual([{ itemIdentifier: 'msg-T-3' }]);
    expect(sqs.visibilityChanges.at(-1)).toEqual(expect.objectContaining({ ReceiptHandle: 'rh-msg-T-3', VisibilityTimeout: 30 }));
    expect(sqs.sent).toEqual([]);
  });
});

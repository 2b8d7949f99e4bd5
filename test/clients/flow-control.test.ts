import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  type DeclaredFlow,
  FLOW_HELD_BACK_ERROR,
  type FlowControlItem,
  flowControlReport,
  flowKeyCells,
  flowOutcomeOf,
  heldBackByKey,
  parseFlowItemKey,
} from '../../clients/flow-control.js';
import { ERROR_NAMES } from '../../contracts/wiring.js';
import { acquireSlot } from '../../lambdas/kit/flow-control/concurrency.js';
import { debounce, debounceSeq } from '../../lambdas/kit/flow-control/debounce.js';
import { flowControlItemKey } from '../../lambdas/kit/flow-control/item-keys.js';
import { pauseKey } from '../../lambdas/kit/flow-control/pause.js';
import { takeStart } from '../../lambdas/kit/flow-control/rate-limit.js';
import { TokenBudget } from '../../lambdas/kit/flow-control/token-budget.js';
import { useDynamoDb } from '../helpers/dynamodb-engine.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../helpers/events.js';
import { FakeSqs } from '../helpers/fake-sqs.js';
import { everyControl, flowControlledConsumer, flowControlStore, linesLoggedWhile } from '../helpers/flow-control.js';

const dynamo = useDynamoDb();

type Store = Awaited<ReturnType<typeof flowControlStore>>;

const itemsOf = (store: Store) => dynamo.items<FlowControlItem>(store.tableName);

const settings = everyControl();
const declared: DeclaredFlow[] = [{ function: 'Triage', table: 'flow-control', settings }];

describe('flowControlReport', () => {
  it('reads what the kit wrote: slots in flight, starts in the window, debounce counts, pauses and token windows against their limits', async () => {
    const store = await flowControlStore(dynamo);
    const now = store.clock.ms;
    const flow = settings.flow;
    for (const holder of ['a', 'b']) await acquireSlot(store, { flow, key: 'acme', limit: 3, holder, leaseUntilMs: now + 60_000 });
    // A crashed holder whose lease has ended is not in flight, beside live holders or alone.
    await acquireSlot(store, { flow, key: 'acme', limit: 3, holder: 'crashed', leaseUntilMs: now - 1 });
    await acquireSlot(store, { flow, key: 'globex', limit: 3, holder: 'gone', leaseUntilMs: now - 1 });
    // A slot item of the kit before one item per key (`…#<key>#<slot>`) is no key of its own.
    await dynamo.client.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: { pk: { S: `concurrency#${flow}#acme#0` }, holder: { S: 'old' }, leaseUntil: { N: String(now + 60_000) } },
      }),
    );
    for (let i = 0; i < 2; i++) await takeStart(store, { flow, key: 'acme', limit: 5, periodMs: 60_000 });
    const burst = { flow, key: 'doc-1', periodMs: 10_000, maxWaitMs: 60_000, keepMs: 86_400_000 };
    for (let i = 0; i < 4; i++) await debounce(store, { ...burst, seq: debounceSeq(now + i, `m${i}`), sentAtMs: now + i });
    store.clock.advance(10_010);
    expect(await debounce(store, { ...burst, seq: debounceSeq(now + 3, 'm3'), sentAtMs: now + 3 })).toEqual({ kind: 'run' });
    await debounce(store, { ...burst, seq: debounceSeq(now + 20_000, 'm4'), sentAtMs: now + 20_000 });
    await pauseKey(store, { flow, key: 'acme' }, store.clock.ms + 30_000);
    const budget = new TokenBudget({ client: store.client, tableName: store.tableName, now: store.clock.now });
    await budget.reserve([{ scope: 'model', key: 'claude#3', limits: { perMinute: 1_000, perDay: 50_000 } }], 300);

    const report = flowControlReport({ items: await itemsOf(store), declared, now: store.clock.ms });

    expect(report.keys).toEqual([
      {
        flow,
        key: 'acme',
        inFlight: { count: 2, limit: 3 },
        rate: { starts: 2, limit: 5, periodSeconds: 60 },
        pausedUntil: expect.any(String),
      },
      // Four seen, one ran, the fifth waits: three superseded. A key of a flow with a concurrency limit shows it, even with no slot taken.
      { flow, key: 'doc-1', debounce: { seen: 5, ran: 1, pending: true, superseded: 3 }, inFlight: { count: 0, limit: 3 } },
      { flow, key: 'globex', inFlight: { count: 0, limit: 3 } },
    ]);
    expect(Date.parse(report.keys[0]?.pausedUntil ?? '')).toBe(store.clock.ms + 30_000);
    expect(report.tokens).toEqual([
      { scope: 'model', key: 'claude#3', minute: { used: 300, limit: 1_000 }, day: { used: 300, limit: 50_000 } },
    ]);
    expect(flowKeyCells(report.keys[0] ?? { flow, key: '' })).toMatchObject({ inFlight: '2/3', rate: '2/5 per 60 s', heldBack: '-' });
  });

  it('counts only the tokens of the last 60 seconds and of the hours that overlap the last 24', () => {
    const now = Date.UTC(2026, 10, 23, 6, 30, 10);
    const log = [
      { id: 'a', at: now - 60_000, tokens: 900 },
      { id: 'b', at: now - 59_000, tokens: 40 },
    ];
    const hours = { '2026-11-22T05': 500, '2026-11-22T06': 70, '2026-11-23T06': 940 };
    const items = [{ pk: 'tokens#model#m', log, hours, limit: 1_000, dayLimit: 10_000 }];
    expect(flowControlReport({ items, declared: [], now }).tokens).toEqual([
      { scope: 'model', key: 'm', minute: { used: 40, limit: 1_000 }, day: { used: 1_010, limit: 10_000 } },
    ]);
  });
});

describe('parseFlowItemKey', () => {
  it('keeps a key that holds # whole', () => {
    expect(parseFlowItemKey('concurrency#App/F#a#b#2')).toEqual({ kind: 'concurrency', flow: 'App/F', key: 'a#b#2' });
    expect(parseFlowItemKey('rate#App/F#a#b')).toEqual({ kind: 'rate', flow: 'App/F', key: 'a#b' });
    // An event's key is escaped by the kit: shown as the event (and the log lines) had it.
    expect(parseFlowItemKey('concurrency#App/F#a%23b%2523')).toEqual({ kind: 'concurrency', flow: 'App/F', key: 'a#b%23' });
    expect(parseFlowItemKey('breaker#App/F#100%25')).toEqual({ kind: 'breaker', flow: 'App/F', key: '100%' });
    for (const key of ['a#b%23', '%', '#', 'plain', '%2523#']) {
      expect(parseFlowItemKey(flowControlItemKey('debounce', 'App/F', key))?.key).toBe(key);
    }
    expect(parseFlowItemKey('tokens#tenant#acme%231')).toEqual({ kind: 'tokens', scope: 'tenant', key: 'acme#1' });
  });

  it('fails to read a name no control writes', () => {
    expect(parseFlowItemKey('leases#x')).toBeUndefined();
    expect(parseFlowItemKey('concurrency#App/F')).toBeUndefined();
  });
});

describe('flowOutcomeOf', () => {
  it('reads the held-back and superseded records from the lines a real consumer logs', async () => {
    const store = await flowControlStore(dynamo);
    const { lines } = await linesLoggedWhile(async () => {
      const handler = flowControlledConsumer(new FakeSqs(), {
        store,
        settings: { flow: 'triage', key: { path: '$.detail.customerId' }, rateLimit: { limit: 1, periodSeconds: 60 } },
      });
      await handler(sqsEvent(sqsRecord(ticketCreated('T-1', { customerId: 'acme' }), 'msg-1')), lambdaContext());
      await handler(sqsEvent(sqsRecord(ticketCreated('T-2', { customerId: 'acme' }), 'msg-2')), lambdaContext());
    });
    const outcomes = lines.flatMap((line) => flowOutcomeOf(line) ?? []);
    expect(outcomes).toEqual([expect.objectContaining({ outcome: 'held-back', key: 'acme', reason: 'rate', messageId: 'msg-2' })]);
    expect(heldBackByKey(lines)).toEqual(new Map([['acme', 1]]));
  });

  it('names the held-back error as the kit does', () => {
    expect(FLOW_HELD_BACK_ERROR).toBe(ERROR_NAMES.flowHeldBack);
  });

  it('reads a superseded line, and fails to read a line that is not flow control', () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'superseded',
      messageId: 'm1',
      flowControl: { outcome: 'superseded', key: 'doc-1', supersededBy: '000#m2' },
    });
    expect(flowOutcomeOf(`2026-11-23T06:00:00Z\t${line}`)).toMatchObject({ outcome: 'superseded', key: 'doc-1', supersededBy: '000#m2' });
    expect(flowOutcomeOf('START RequestId: 1')).toBeUndefined();
    expect(flowOutcomeOf(JSON.stringify({ error: { name: 'Other' } }))).toBeUndefined();
  });
});

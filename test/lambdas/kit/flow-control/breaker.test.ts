import { describe, expect, it } from 'vitest';
import type { FlowControlSettings } from '../../../../contracts/flow-control.js';
import { InvalidEventError } from '../../../../lambdas/kit/errors.js';
import {
  admitThroughBreaker,
  type BreakerChange,
  type BreakerSettings,
  type BreakerTicket,
  openCircuit,
  settleBreaker,
} from '../../../../lambdas/kit/flow-control/breaker.js';
import { FlowHeldBackError } from '../../../../lambdas/kit/flow-control/errors.js';
import { FlowGate, type FlowPass } from '../../../../lambdas/kit/flow-control/gate.js';
import { flowControlItemKey } from '../../../../lambdas/kit/flow-control/item-keys.js';
import { pausedUntil } from '../../../../lambdas/kit/flow-control/pause.js';
import { parseFlowControlSettings } from '../../../../lambdas/kit/flow-control/settings.js';
import { readItem } from '../../../../lambdas/kit/flow-control/store.js';
import { useDynamoDb } from '../../../helpers/dynamodb-engine.js';
import { sqsRecord, ticketCreated } from '../../../helpers/events.js';
import { flowControlStore } from '../../../helpers/flow-control.js';

const dynamo = useDynamoDb();

const target = { flow: 'triage', key: 'model-x' };
const breaker: BreakerSettings = { failureThreshold: 3, windowSeconds: 60, openSeconds: 30, maxOpenSeconds: 100 };
const item = flowControlItemKey('breaker', 'triage', 'model-x');
const providerDown = () => Object.assign(new Error('upstream returned 503'), { name: 'ServiceUnavailableException', status: 503 });
const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottlingException', retryAfterMs: 5_000 });
const logger = { warn: () => undefined, info: () => undefined } as never;

type Store = Awaited<ReturnType<typeof flowControlStore>>;
const admit = (store: Store, remainingMs = 30_000) =>
  admitThroughBreaker(store, target, breaker, { messageId: `m-${Math.random()}`, remainingMs });
const closed: BreakerTicket = { kind: 'closed', failures: 0 };

/** Opens the key's circuit the way failures do: `failureThreshold` provider failures in a row. */
async function openByFailures(store: Store): Promise<void> {
  for (let i = 0; i < breaker.failureThreshold; i++) await settleBreaker(store, target, closed, breaker, providerDown());
}

describe('admitThroughBreaker and settleBreaker', () => {
  it('opens the circuit once when racing provider failures reach the threshold together', async () => {
    const store = await flowControlStore(dynamo);
    const changes = await Promise.all(Array.from({ length: 12 }, () => settleBreaker(store, target, closed, breaker, providerDown())));
    expect(changes.filter((c) => c.kind === 'opened')).toHaveLength(1);
    expect(await readItem(store, item)).toMatchObject({ openUntil: store.clock.ms + 30_000, openMs: 30_000 });
  });

  it('opens a circuit that reached the threshold only once: a second opener finds it open', async () => {
    const store = await flowControlStore(dynamo);
    for (let i = 0; i < breaker.failureThreshold - 1; i++) await settleBreaker(store, target, closed, breaker, providerDown());
    expect((await readItem(store, item))?.failures).toBe(breaker.failureThreshold - 1);
    const third = await settleBreaker(store, target, closed, breaker, providerDown());
    expect(third).toMatchObject({ kind: 'opened', reason: 'threshold', until: store.clock.ms + 30_000 });
    store.clock.advance(1_000);
    expect(await openCircuit(store, target, breaker, providerDown())).toEqual<BreakerChange>({ kind: 'none' });
    expect((await readItem(store, item))?.openUntil).toBe(store.clock.ms - 1_000 + 30_000);
  });

  it('holds every record back while the circuit is open, for the rest of its open time', async () => {
    const store = await flowControlStore(dynamo);
    await openByFailures(store);
    store.clock.advance(10_000);
    const held = await admit(store).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(FlowHeldBackError);
    expect(held).toMatchObject({ name: 'FlowHeldBack', reason: 'circuit-open', flowKey: 'model-x', retryAfterMs: 20_000 });
    expect(held).toMatchObject({ retryable: true });
  });

  it('lets exactly one record through as the probe once the open time has passed, and holds the others back', async () => {
    const store = await flowControlStore(dynamo);
    await openByFailures(store);
    store.clock.advance(30_000);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => admit(store)));
    const probes = outcomes.filter((o) => o.status === 'fulfilled');
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ value: { kind: 'probe', openMs: 30_000 } });
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect(o.reason).toMatchObject({ reason: 'circuit-open', retryAfterMs: 30_000 });
    }
  });

  it('closes the circuit when the probe succeeds: every record runs again, with no count', async () => {
    const store = await flowControlStore(dynamo);
    await openByFailures(store);
    store.clock.advance(30_000);
    const probe = await admit(store);
    expect(await settleBreaker(store, target, probe, breaker)).toEqual({ kind: 'closed' });
    expect(await readItem(store, item)).toBeUndefined();
    expect(await admit(store)).toEqual({ kind: 'closed', failures: 0 });
  });

  it('opens the circuit again for twice its open time when the probe fails, at most maxOpenSeconds', async () => {
    const store = await flowControlStore(dynamo);
    await openByFailures(store);
    const openTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      store.clock.advance(((await readItem(store, item))?.openMs as number) ?? 0);
      const probe = await admit(store);
      const change = await settleBreaker(store, target, probe, breaker, providerDown());
      expect(change).toMatchObject({ kind: 'opened', reason: 'probe-failed' });
      openTimes.push((change as { until: number }).until - store.clock.ms);
      await expect(admit(store)).rejects.toMatchObject({ reason: 'circuit-open' });
    }
    expect(openTimes).toEqual([60_000, 100_000, 100_000]);
  });

  it("lets another record probe once the probe's lease has ended (its holder crashed)", async () => {
    const store = await flowControlStore(dynamo);
    await openByFailures(store);
    store.clock.advance(30_000);
    const crashed = await admit(store, 5_000);
    expect(crashed.kind).toBe('probe');
    await expect(admit(store)).rejects.toMatchObject({ reason: 'circuit-open', retryAfterMs: 15_000 });
    store.clock.advance(15_001);
    const next = await admit(store);
    expect(next.kind).toBe('probe');
    // The crashed probe's late answer settles nothing: the claim is no longer its.
    expect(await settleBreaker(store, target, crashed, breaker)).toEqual({ kind: 'none' });
    expect(await settleBreaker(store, target, next, breaker)).toEqual({ kind: 'closed' });
  });

  it('resets the count on a success of a record that saw one, and writes nothing for one that saw none', async () => {
    const store = await flowControlStore(dynamo);
    await settleBreaker(store, target, closed, breaker, providerDown());
    await settleBreaker(store, target, closed, breaker, providerDown());
    const seen = await admit(store);
    expect(seen).toEqual({ kind: 'closed', failures: 2 });
    // A record that entered before the failures saw none: its success does not reset them.
    await settleBreaker(store, target, closed, breaker);
    expect((await readItem(store, item))?.failures).toBe(2);
    await settleBreaker(store, target, seen, breaker);
    expect((await readItem(store, item))?.failures).toBeUndefined();
    // So two more failures do not open it: the three were not in a row.
    await settleBreaker(store, target, closed, breaker, providerDown());
    expect(await settleBreaker(store, target, closed, breaker, providerDown())).toEqual({ kind: 'none' });
  });

  it('starts the count again when its first failure is older than the window', async () => {
    const store = await flowControlStore(dynamo);
    await settleBreaker(store, target, closed, breaker, providerDown());
    await settleBreaker(store, target, closed, breaker, providerDown());
    store.clock.advance(60_001);
    expect(await admit(store)).toEqual({ kind: 'closed', failures: 0 });
    expect(await settleBreaker(store, target, closed, breaker, providerDown())).toEqual({ kind: 'none' });
    expect(await readItem(store, item)).toMatchObject({ failures: 1, since: store.clock.ms });
  });

  it('does not count a permanent error, a throttling answer or a hold-back as a provider failure', async () => {
    const store = await flowControlStore(dynamo);
    const notFailures = [new InvalidEventError('detail breaks its contract'), throttled(), new FlowHeldBackError('rate', 'model-x', 1_000)];
    for (let i = 0; i < 2; i++) for (const error of notFailures) await settleBreaker(store, target, closed, breaker, error);
    expect(await readItem(store, item)).toBeUndefined();
  });
});

describe('FlowGate with a circuit breaker', () => {
  const settings: FlowControlSettings = {
    flow: 'triage',
    key: { constant: 'model-x' },
    pauseOnThrottle: { defaultSeconds: 10, maxSeconds: 900 },
    circuitBreaker: breaker,
  };
  const enter = (gate: FlowGate) => gate.enter(sqsRecord(ticketCreated('T-1')), {}, 30_000, logger) as Promise<FlowPass>;

  it('opens the circuit after provider failures in a row and holds the next record back, never failing it', async () => {
    const store = await flowControlStore(dynamo);
    const gate = new FlowGate(store, settings);
    for (let i = 0; i < breaker.failureThreshold; i++) {
      const error = providerDown();
      // The failing record fails with its own error: it counts towards its DLQ as any failure.
      expect(await (await enter(gate)).leave(logger, error)).toBe(error);
    }
    await expect(enter(gate)).rejects.toMatchObject({ name: 'FlowHeldBack', reason: 'circuit-open', retryAfterMs: 30_000 });
  });

  it('pauses the key on a throttling answer and does not count it towards the circuit', async () => {
    const store = await flowControlStore(dynamo);
    const gate = new FlowGate(store, settings);
    for (let i = 0; i < breaker.failureThreshold; i++) {
      expect(await (await enter(gate)).leave(logger, throttled())).toMatchObject({ name: 'FlowHeldBack', reason: 'paused' });
      store.clock.advance(5_001);
    }
    expect(await pausedUntil(store, target)).toBeUndefined();
    expect(await readItem(store, item)).toBeUndefined();
    expect((await enter(gate)).kind).toBe('run');
  });

  it('gives the probe claim back when a later control holds the probe back, so another record probes at once', async () => {
    const store = await flowControlStore(dynamo);
    const gate = new FlowGate(store, { ...settings, concurrency: { limit: 1, leaseMarginSeconds: 10 } });
    const holder = await enter(gate);
    await openByFailures(store);
    store.clock.advance(30_000);
    await expect(enter(gate)).rejects.toMatchObject({ reason: 'concurrency' });
    await holder.leave(logger);
    const probe = await enter(gate);
    expect(probe.kind).toBe('run');
    await probe.leave(logger);
    expect(await readItem(store, item)).toBeUndefined();
  });
});

describe('parseFlowControlSettings of a circuit breaker', () => {
  const raw = (circuitBreaker: unknown) => JSON.stringify({ flow: 'triage', key: { constant: 'model-x' }, circuitBreaker });

  it('reads the breaker QueueConsumer wrote', () => {
    expect(parseFlowControlSettings(raw(breaker)).circuitBreaker).toEqual(breaker);
  });

  it('fails if the threshold is not a positive whole number or a duration is missing', () => {
    expect(() => parseFlowControlSettings(raw({ ...breaker, failureThreshold: 1.5 }))).toThrow(
      'circuitBreaker.failureThreshold must be a positive integer',
    );
    expect(() => parseFlowControlSettings(raw({ ...breaker, maxOpenSeconds: undefined }))).toThrow(
      'circuitBreaker.maxOpenSeconds must be a positive number',
    );
  });
});

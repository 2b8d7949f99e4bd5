import { describe, expect, it } from 'vitest';
import { pausedUntil, pauseKey, throttleOf } from '../../../../lambdas/kit/flow-control/pause.js';
import { useDynamoDb } from '../../../helpers/dynamodb-engine.js';
import { flowControlStore } from '../../../helpers/flow-control.js';

const dynamo = useDynamoDb();

const target = { flow: 'triage', key: 'model-x' };

describe('pauseKey', () => {
  it('pauses the key for every reader until the end it was given', async () => {
    const store = await flowControlStore(dynamo);
    expect(await pausedUntil(store, target)).toBeUndefined();
    const until = store.clock.ms + 30_000;
    expect(await pauseKey(store, target, until)).toBe(until);
    expect(await pausedUntil(store, target)).toBe(until);
    expect(await pausedUntil(store, { ...target, key: 'model-y' })).toBeUndefined();
    store.clock.advance(30_001);
    expect(await pausedUntil(store, target)).toBeUndefined();
  });

  it('only ever extends a pause: racing pauses leave the latest end', async () => {
    const store = await flowControlStore(dynamo);
    const ends = Array.from({ length: 10 }, (_, i) => store.clock.ms + (i + 1) * 1_000);
    await Promise.all([...ends].reverse().map((end) => pauseKey(store, target, end)));
    expect(await pausedUntil(store, target)).toBe(Math.max(...ends));
    expect(await pauseKey(store, target, store.clock.ms + 500)).toBe(Math.max(...ends));
    expect(await pausedUntil(store, target)).toBe(Math.max(...ends));
  });
});

describe('throttleOf', () => {
  const named = (name: string, fields: Record<string, unknown> = {}) => Object.assign(new Error('slow down'), { name, ...fields });

  it('recognises HTTP 429 and the throttling names, with their retry-after', () => {
    expect(throttleOf(named('ThrottlingException', { $metadata: { httpStatusCode: 400 } }))).toEqual({ retryAfterMs: undefined });
    expect(throttleOf(named('TooManyRequestsException', { retryAfterMs: 1500 }))).toEqual({ retryAfterMs: 1500 });
    expect(throttleOf(named('Error', { status: 429, headers: { 'retry-after': '7' } }))).toEqual({ retryAfterMs: 7000 });
    const now = Date.UTC(2026, 0, 1);
    const date = new Date(now + 20_000).toUTCString();
    expect(throttleOf(named('Error', { statusCode: 429, headers: new Headers({ 'Retry-After': date }) }), now)).toEqual({
      retryAfterMs: 20_000,
    });
  });

  it('finds a throttling answer wrapped as the cause of another error', () => {
    expect(throttleOf(new Error('classify failed', { cause: named('ThrottlingException', { retryAfter: 3 }) }))).toEqual({
      retryAfterMs: 3000,
    });
  });

  it('is undefined for any other failure', () => {
    expect(throttleOf(named('ValidationException', { $metadata: { httpStatusCode: 400 } }))).toBeUndefined();
    expect(throttleOf(new Error('boom'))).toBeUndefined();
  });
});

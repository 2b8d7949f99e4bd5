import { describe, expect, it } from 'vitest';
import { DurableStore } from '../../../../local/lambda/durable/durable-store.js';
import { openDatabase } from '../../../../local/store/data-folder.js';

const DAY = 86_400_000;

function storeWith(arn: string, retentionDays: number): DurableStore {
  const store = new DurableStore(openDatabase(':memory:'));
  store.insert({
    arn,
    functionName: 'fn',
    name: 'n',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST',
    version: '$LATEST',
    input: '{}',
    startedAt: 0,
    timeoutAt: DAY,
    retentionDays,
  });
  store.putOperation(arn, { op: { Id: 'a', Type: 'STEP', Status: 'SUCCEEDED', StartTimestamp: 0 } });
  store.addEvent(arn, { EventType: 'ExecutionStarted', EventTimestamp: 0 });
  return store;
}

describe('DurableStore', () => {
  it('deletes a closed execution with its operations and history once its retention has passed, not before', () => {
    const store = storeWith('e1', 7);
    store.finish('e1', 'SUCCEEDED', 1000, { result: '1' });
    expect(store.deleteExpired(1000 + 7 * DAY)).toBe(0);
    expect(store.get('e1')?.status).toBe('SUCCEEDED');
    expect(store.deleteExpired(1000 + 7 * DAY + 1)).toBe(1);
    expect(store.get('e1')).toBeUndefined();
    expect(store.operations('e1')).toEqual([]);
    expect(store.events('e1')).toEqual([]);
  });

  it('keeps a running execution past any retention', () => {
    const store = storeWith('e2', 1);
    expect(store.deleteExpired(365 * DAY)).toBe(0);
    expect(store.get('e2')?.status).toBe('RUNNING');
  });

  it('numbers history events from 1 in the order they are added', () => {
    const store = storeWith('e3', 1);
    store.addEvent('e3', { EventType: 'StepStarted', EventTimestamp: 1 });
    expect(store.events('e3').map((e) => [e.EventId, e.EventType])).toEqual([
      [1, 'ExecutionStarted'],
      [2, 'StepStarted'],
    ]);
  });
});

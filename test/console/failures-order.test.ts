import { describe, expect, it } from 'vitest';
import { deadLetterGroups } from '../../console/src/pages/failures-order.js';

const queue = (name: string, depth: number, inFlight = 0, delayed = 0) => ({ name, depth, inFlight, delayed });

describe('deadLetterGroups', () => {
  it('puts the queues holding messages first, most messages first, and the empty ones apart by name', () => {
    const { holding, empty } = deadLetterGroups([
      queue('c-dlq', 0),
      queue('a-dlq', 2),
      queue('b-dlq', 0),
      queue('d-dlq', 7),
      queue('e-dlq', 1),
    ]);
    expect(holding.map((q) => q.name)).toEqual(['d-dlq', 'a-dlq', 'e-dlq']);
    expect(empty.map((q) => q.name)).toEqual(['b-dlq', 'c-dlq']);
  });

  it('orders queues holding as many messages by name', () => {
    const { holding } = deadLetterGroups([queue('z-dlq', 3), queue('m-dlq', 3), queue('a-dlq', 3)]);
    expect(holding.map((q) => q.name)).toEqual(['a-dlq', 'm-dlq', 'z-dlq']);
  });

  it('counts messages in flight and delayed: a queue being read or redriven is not empty', () => {
    const { holding, empty } = deadLetterGroups([queue('reading', 0, 2), queue('delayed', 0, 0, 1), queue('idle', 0)]);
    expect(holding.map((q) => q.name)).toEqual(['reading', 'delayed']);
    expect(empty.map((q) => q.name)).toEqual(['idle']);
  });

  it('folds every queue when none holds a message', () => {
    const queues = Array.from({ length: 28 }, (_, i) => queue(`dlq-${String(i).padStart(2, '0')}`, 0));
    const { holding, empty } = deadLetterGroups(queues);
    expect(holding).toEqual([]);
    expect(empty).toHaveLength(28);
  });
});

import { describe, expect, it } from 'vitest';
import type { StateVisit } from '../../clients/history-reader.js';
import { layoutScope } from '../../console/src/graph/layout.js';
import { type AslScope, allNodes, choiceLabel, END, graphOf, nodeStates, START } from '../../console/src/graph/model.js';
import { withForkEntry } from '../../contracts/fork.js';

const definition: AslScope = {
  StartAt: 'Classify',
  States: {
    Classify: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Retry: [{ ErrorEquals: ['ModelThrottled'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fallback' }],
      Next: 'Confident',
    },
    Confident: {
      Type: 'Choice',
      Choices: [{ Variable: '$.confidence', NumericGreaterThanEquals: 0.7, Next: 'Fanout' }],
      Default: 'Fallback',
    },
    Fanout: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
        { StartAt: 'B', States: { B: { Type: 'Pass', Next: 'B2' }, B2: { Type: 'Succeed' } } },
      ],
      Next: 'Each',
    },
    Each: { Type: 'Map', ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } }, End: true },
    Fallback: { Type: 'Fail' },
  },
};

function visit(name: string, status: StateVisit['status'], tries = 1): StateVisit {
  return { name, type: 'Task', status, attempts: Array.from({ length: tries }, () => ({ outcome: 'succeeded' as const })), eventIds: [] };
}

describe('graphOf', () => {
  it("draws a Workflow's flow as written, without the fork entry at its top", () => {
    const entered = graphOf(withForkEntry(definition as Parameters<typeof withForkEntry>[0]) as AslScope);
    const plain = graphOf(definition);
    expect(entered.nodes.map((n) => n.id)).toEqual(plain.nodes.map((n) => n.id));
    expect(entered.edges).toEqual(plain.edges);
  });

  it('draws every transition of the definition: Next, Choices, Default, Catch, start and end', () => {
    const graph = graphOf(definition);
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: START, to: 'Classify', kind: 'start' },
        { from: 'Classify', to: 'Confident', kind: 'next' },
        { from: 'Classify', to: 'Fallback', kind: 'catch', label: 'catch States.ALL' },
        { from: 'Confident', to: 'Fanout', kind: 'choice', label: '$.confidence >= 0.7' },
        { from: 'Confident', to: 'Fallback', kind: 'default', label: 'default' },
        { from: 'Fanout', to: 'Each', kind: 'next' },
        { from: 'Each', to: END, kind: 'end' },
        { from: 'Fallback', to: END, kind: 'end' },
      ]),
    );
    expect(graph.nodes.find((n) => n.name === 'Classify')).toMatchObject({ resource: 'lambda:invoke', retries: ['ModelThrottled'] });
  });

  it("holds Parallel branches and the Map's item processor as nested scopes with their own edges", () => {
    const graph = graphOf(definition);
    const fanout = graph.nodes.find((n) => n.name === 'Fanout');
    expect(fanout?.scopes?.map((s) => s.nodes.map((n) => n.name))).toEqual([['A'], ['B', 'B2']]);
    expect(fanout?.scopes?.[1]?.edges).toEqual([{ from: 'Fanout#2/B', to: 'Fanout#2/B2', kind: 'next' }]);
    expect(graph.nodes.find((n) => n.name === 'Each')?.scopes?.[0]?.nodes.map((n) => n.id)).toEqual(['Each#items/Item']);
    expect(allNodes(graph).map((n) => n.name)).toEqual(['Classify', 'Confident', 'Fanout', 'A', 'B', 'B2', 'Each', 'Item', 'Fallback']);
  });

  it('reads the Iterator of an older Map state too', () => {
    const graph = graphOf({
      StartAt: 'M',
      States: { M: { Type: 'Map', Iterator: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true } },
    });
    expect(graph.nodes[0]?.scopes?.[0]?.nodes[0]?.name).toBe('I');
  });
});

describe('choiceLabel', () => {
  it('names the variable and comparison, a JSONata condition, or the combinator', () => {
    expect(choiceLabel({ Variable: '$.n', NumericLessThanPath: '$.max' })).toBe('$.n < $.max');
    expect(choiceLabel({ Condition: '{% $count($problems) = 0 %}' })).toBe('$count($problems) = 0');
    expect(choiceLabel({ And: [{}, {}] })).toBe('And (2)');
    expect(choiceLabel({ Not: { Variable: '$.x', IsPresent: true } })).toBe('not $.x is present true');
  });
});

describe('nodeStates', () => {
  it('colours a state by its visits: running over failed over caught over succeeded; retries add up', () => {
    const states = nodeStates([
      visit('Classify', 'succeeded', 3),
      visit('Loop', 'succeeded'),
      visit('Loop', 'caught'),
      visit('Item', 'succeeded'),
      visit('Item', 'failed'),
      visit('Item', 'running'),
    ]);
    expect(states.get('Classify')).toEqual({ status: 'succeeded', visits: 1, retries: 2, caught: false });
    expect(states.get('Loop')).toMatchObject({ status: 'caught', visits: 2, caught: true });
    expect(states.get('Item')?.status).toBe('running');
    expect(states.has('Fallback')).toBe(false);
  });

  it('colours a redriven state by how it ended after the redrive, counting every visit', () => {
    const states = nodeStates([
      { ...visit('Reserve', 'failed'), redriven: true },
      visit('Reserve', 'succeeded'),
      { ...visit('Charge', 'failed'), redriven: true },
    ]);
    expect(states.get('Reserve')).toMatchObject({ status: 'succeeded', visits: 2 });
    // Not visited again yet: still as it failed.
    expect(states.get('Charge')?.status).toBe('failed');
  });

  it('colours a state the execution’s stop or timeout cut off as aborted or timed out, not failed', () => {
    const states = nodeStates([
      { ...visit('Hold', 'failed'), cutOffBy: 'ABORTED' },
      { ...visit('Wait', 'failed'), cutOffBy: 'TIMED_OUT' },
      { ...visit('Fail', 'failed'), cutOffBy: 'FAILED' },
    ]);
    expect([...states].map(([name, state]) => [name, state.status])).toEqual([
      ['Hold', 'aborted'],
      ['Wait', 'timed-out'],
      ['Fail', 'failed'],
    ]);
  });
});

describe('layoutScope', () => {
  it('places every node without overlaps and draws groups around their branches', () => {
    const laid = layoutScope(graphOf(definition));
    const boxes = laid.nodes;
    for (const a of boxes) {
      for (const b of boxes) {
        if (a === b) continue;
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
    const fanout = boxes.find((n) => n.id === 'Fanout');
    expect(fanout?.inner).toHaveLength(2);
    for (const inner of fanout?.inner ?? []) {
      expect(inner.x + inner.scope.width).toBeLessThanOrEqual(fanout?.width ?? 0);
      expect(inner.y + inner.scope.height).toBeLessThanOrEqual(fanout?.height ?? 0);
    }
    expect(laid.edges.every((e) => e.points.length >= 2)).toBe(true);
  });
});

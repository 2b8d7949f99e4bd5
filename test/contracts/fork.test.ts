import { describe, expect, it } from 'vitest';
import {
  FORK_ENTRY_STATE,
  FORK_INPUT_KEY,
  forkExecutionInput,
  forkExecutionName,
  forkOfInput,
  hasForkEntry,
  mergePatch,
  withForkEntry,
} from '../../contracts/fork.js';

const FORK = {
  parent: 'arn:aws:states:us-east-1:000000000000:execution:m:p',
  from: 'B',
  input: { a: 1 },
  variables: {},
  effects: 'skip',
} as const;

describe('mergePatch', () => {
  // RFC 7396, Appendix A: each original, patch and result as the RFC lists them.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('patches %j with %j into %j, as RFC 7396 lists', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });
});

describe('fork inputs', () => {
  it("keeps the parent's input fields beside the fork, and reads the fork back", () => {
    const input = forkExecutionInput({ topic: 'otters', [FORK_INPUT_KEY]: { stale: true } }, FORK);
    expect(input).toEqual({ topic: 'otters', [FORK_INPUT_KEY]: FORK });
    expect(forkOfInput(JSON.stringify(input))).toEqual(FORK);
    expect(forkOfInput('{"topic":"otters"}')).toBeUndefined();
  });

  it('fails if the fork field is malformed, saying what it must hold', () => {
    expect(() => forkOfInput({ [FORK_INPUT_KEY]: { ...FORK, effects: 'maybe' } })).toThrow(
      "The execution input's switchyardFork must say effects: skip or rerun",
    );
  });

  it('names the same fork alike and an edited one otherwise, within 80 characters', () => {
    const name = forkExecutionName('p'.repeat(80), FORK);
    expect(name).toHaveLength(80);
    expect(forkExecutionName('p'.repeat(80), { ...FORK })).toBe(name);
    expect(forkExecutionName('p'.repeat(80), { ...FORK, input: { a: 2 } })).not.toBe(name);
  });
});

describe('withForkEntry', () => {
  const definition = {
    StartAt: 'A',
    States: {
      A: { Type: 'Pass', Assign: { 'x.$': '$.x' }, Next: 'B' },
      B: { Type: 'Choice', Choices: [{ Variable: '$.y', IsPresent: true, Assign: { y: 1 }, Next: 'C' }], Default: 'C' },
      C: { Type: 'Succeed' },
    },
  };

  it('begins at a Choice that routes a fork to its state and anything else to the flow start', () => {
    const entered = withForkEntry(definition);
    expect(entered.StartAt).toBe(FORK_ENTRY_STATE);
    expect(hasForkEntry(entered)).toBe(true);
    expect(hasForkEntry(definition)).toBe(false);
    const entry = entered.States[FORK_ENTRY_STATE] as { Choices: { Next: string }[]; Default: string };
    expect(entry.Default).toBe('A');
    expect(entry.Choices.map((c) => c.Next)).toEqual(['Fork to A', 'Fork to B', 'Fork to C']);
    expect(entered.States['Fork to C']).toMatchObject({
      Type: 'Pass',
      Next: 'C',
      Assign: { x: expect.any(String), y: expect.any(String) },
    });
  });

  it('fails if the definition already has a state of the entry name', () => {
    expect(() => withForkEntry({ StartAt: FORK_ENTRY_STATE, States: { [FORK_ENTRY_STATE]: { Type: 'Succeed' } } })).toThrow(
      'The definition already has a state named SwitchyardForkEntry',
    );
  });
});

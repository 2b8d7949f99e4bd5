import { describe, expect, it } from 'vitest';
import { variableReferences } from '../../../local/states/variable-references.js';

const of = (states: Record<string, unknown>) => variableReferences(JSON.stringify({ StartAt: Object.keys(states)[0], States: states }));

describe('variableReferences', () => {
  it('lists the variables read by paths and by the `.$` fields of payload templates, by state', () => {
    expect(
      of({
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$guess', StringEqualsPath: '$answer.text', Next: 'Done' }],
          Default: 'Done',
        },
        Done: { Type: 'Pass', InputPath: '$input[0]', Parameters: { 'a.$': '$a', nested: { 'b.$': '$b.c' } }, End: true },
      }),
    ).toEqual({ Check: ['guess', 'answer'], Done: ['input', 'a', 'b'] });
  });

  it("lists an intrinsic function's variable arguments, not its quoted text, the input or the context object", () => {
    expect(
      of({ F: { Type: 'Pass', Parameters: { 'x.$': "States.Format('{} for $fake {}', $price, $$.Execution.Id, $.y)" }, End: true } }),
    ).toEqual({ F: ['price'] });
  });

  it('lists the states of Map and Parallel states by their own names', () => {
    expect(
      of({
        Each: {
          Type: 'Map',
          ItemsPath: '$items',
          ItemProcessor: { StartAt: 'Inner', States: { Inner: { Type: 'Pass', OutputPath: '$out', End: true } } },
          End: true,
        },
      }),
    ).toEqual({ Each: ['items'], Inner: ['out'] });
  });

  it('lists nothing for a plain value that looks like a variable, nor for JSONata, and leaves the member out then', () => {
    expect(
      of({
        P: { Type: 'Pass', Parameters: { bucket: '$bucket' }, Next: 'J' },
        J: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $x %}', End: true },
      }),
    ).toBeUndefined();
  });
});

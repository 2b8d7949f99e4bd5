import { afterEach, describe, expect, it } from 'vitest';
import { GivenJson } from '../../../local/states/test-state-json.js';
import { createStates, type TestStates } from './helpers.js';

describe('GivenJson', () => {
  it('gives each array and object of the request s JSON back as it was written', () => {
    const given = new GivenJson(['{"a": [1, 2], "b": {"c": ["x", "y"]}}', undefined, '[{"k": "v"}, {"k": "w"}]']);
    expect(given.as('[1,2]')).toBe('[1, 2]');
    expect(given.as('["x","y"]')).toBe('["x", "y"]');
    expect(given.as('{"c":["x","y"]}')).toBe('{"c": ["x", "y"]}');
    expect(given.as('[{"k":"v"},{"k":"w"}]')).toBe('[{"k": "v"}, {"k": "w"}]');
  });

  it('leaves a value the request did not give as it is, and reads brackets inside strings as text', () => {
    const given = new GivenJson(['{"s": "a [b] {c", "t": "\\" ]"}', 'not json [1, 2]']);
    expect(given.as('[1,2]')).toBe('[1,2]');
    expect(given.as('{"s":"a [b] {c","t":"\\" ]"}')).toBe('{"s": "a [b] {c", "t": "\\" ]"}');
  });
});

let t: TestStates | undefined;
afterEach(async () => t?.close());

describe('StatesService TestState with JSON the request wrote', () => {
  it('answers a mocked result the state passes on unchanged in the text the mock wrote (as AWS answers it)', async () => {
    t = await createStates();
    const parallel = JSON.stringify({
      Type: 'Parallel',
      Branches: ['A', 'B'].map((name) => ({ StartAt: name, States: { [name]: { Type: 'Pass', End: true } } })),
      End: true,
    });
    const answer = await t.states.TestState({
      definition: parallel,
      mock: { result: '[{"branch1": "result"}, {"branch2": "result"}]' },
      inspectionLevel: 'DEBUG',
    });
    expect(answer).toMatchObject({
      output: '[{"branch1": "result"}, {"branch2": "result"}]',
      inspectionData: { afterResultSelector: '[{"branch1": "result"}, {"branch2": "result"}]' },
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createMachine, createStates, errorCode, machineArn, ROLE, type TestStates } from './helpers.js';

const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

let t: TestStates;
afterEach(async () => t?.close());

/** Tags, written as `key=value` pairs. */
const tags = (...pairs: string[]) =>
  pairs.map((pair) => {
    const [key = '', value = ''] = pair.split('=');
    return { key, value };
  });

/** A fresh service with one machine, `flow`; its ARN. */
async function oneMachine(): Promise<string> {
  t = await createStates();
  return createMachine(t.states, 'flow', PASS);
}

describe('StatesTags', () => {
  it('tags a state machine, a key given again taking its new value, and lists them in the order first given', async () => {
    const resourceArn = await oneMachine();
    await t.states.TagResource({ resourceArn, tags: tags('team=a', 'cost=') });
    await t.states.TagResource({ resourceArn, tags: tags('team=b', 'team=b') });
    expect(await t.states.ListTagsForResource({ resourceArn })).toEqual({ tags: tags('team=b', 'cost=') });
  });

  it('takes the tags CreateStateMachine and CreateActivity are given', async () => {
    t = await createStates();
    const { stateMachineArn } = await t.states.CreateStateMachine({
      name: 'flow',
      definition: JSON.stringify(PASS),
      roleArn: ROLE,
      tags: tags('k=v'),
    });
    const { activityArn } = await t.states.CreateActivity({ name: 'work', tags: tags('a=1') });
    expect(await t.states.ListTagsForResource({ resourceArn: stateMachineArn })).toEqual({ tags: tags('k=v') });
    expect(await t.states.ListTagsForResource({ resourceArn: activityArn })).toEqual({ tags: tags('a=1') });
  });

  it('untags the keys named, a key named twice or not there included', async () => {
    const resourceArn = await oneMachine();
    await t.states.TagResource({ resourceArn, tags: tags('a=1', 'b=2') });
    await t.states.UntagResource({ resourceArn, tagKeys: ['a', 'a', 'zzz'] });
    expect(await t.states.ListTagsForResource({ resourceArn })).toEqual({ tags: tags('b=2') });
  });

  it('drops the tags of a deleted machine, so one made again by its name has none', async () => {
    const resourceArn = await oneMachine();
    await t.states.TagResource({ resourceArn, tags: tags('a=1') });
    await t.states.DeleteStateMachine({ stateMachineArn: resourceArn });
    await createMachine(t.states, 'flow', PASS);
    expect(await t.states.ListTagsForResource({ resourceArn })).toEqual({ tags: [] });
  });

  it("fails if the ARN names a version, or a machine that is not there, as AWS's ResourceNotFound", async () => {
    const stateMachineArn = await oneMachine();
    const { stateMachineVersionArn } = await t.states.PublishStateMachineVersion({ stateMachineArn });
    await expect(t.states.TagResource({ resourceArn: stateMachineVersionArn, tags: tags('a=1') })).rejects.toMatchObject({
      code: 'ResourceNotFound',
      message: `Resource not found: '${stateMachineVersionArn}'`,
    });
    expect(await errorCode(t.states.ListTagsForResource({ resourceArn: machineArn('nope') }))).toBe('ResourceNotFound');
    expect(await errorCode(t.states.UntagResource({ resourceArn: 'not-an-arn', tagKeys: [] }))).toBe('InvalidArn');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createMachine, createStates, errorCode, machineArn, ROLE, type TestStates } from './helpers.js';

const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

let t: TestStates;
afterEach(async () => t?.close());

describe('StatesTags', () => {
  it('tags a state machine, a key given again taking its new value, and lists them in the order first given', async () => {
    t = await createStates();
    const resourceArn = await createMachine(t.states, 'flow', PASS);
    await t.states.TagResource({
      resourceArn,
      tags: [
        { key: 'team', value: 'a' },
        { key: 'cost', value: '' },
      ],
    });
    await t.states.TagResource({
      resourceArn,
      tags: [
        { key: 'team', value: 'b' },
        { key: 'team', value: 'b' },
      ],
    });
    expect(await t.states.ListTagsForResource({ resourceArn })).toEqual({
      tags: [
        { key: 'team', value: 'b' },
        { key: 'cost', value: '' },
      ],
    });
  });

  it('takes the tags CreateStateMachine and CreateActivity are given', async () => {
    t = await createStates();
    const { stateMachineArn } = await t.states.CreateStateMachine({
      name: 'flow',
      definition: JSON.stringify(PASS),
      roleArn: ROLE,
      tags: [{ key: 'k', value: 'v' }],
    });
    const { activityArn } = await t.states.CreateActivity({ name: 'work', tags: [{ key: 'a', value: '1' }] });
    expect(await t.states.ListTagsForResource({ resourceArn: stateMachineArn })).toEqual({ tags: [{ key: 'k', value: 'v' }] });
    expect(await t.states.ListTagsForResource({ resourceArn: activityArn })).toEqual({ tags: [{ key: 'a', value: '1' }] });
  });

  it('untags the keys named, a key named twice or not there included', async () => {
    t = await createStates();
    const resourceArn = await createMachine(t.states, 'flow', PASS);
    await t.states.TagResource({
      resourceArn,
      tags: [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ],
    });
    await t.states.UntagResource({ resourceArn, tagKeys: ['a', 'a', 'zzz'] });
    expect(await t.states.ListTagsForResource({ resourceArn })).toEqual({ tags: [{ key: 'b', value: '2' }] });
  });

  it('drops the tags of a deleted machine, so one made again by its name has none', async () => {
    t = await createStates();
    const resourceArn = await createMachine(t.states, 'flow', PASS);
    await t.states.TagResource({ resourceArn, tags: [{ key: 'a', value: '1' }] });
    await t.states.DeleteStateMachine({ stateMachineArn: resourceArn });
    await createMachine(t.states, 'flow', PASS);
    expect(await t.states.ListTagsForResource({ resourceArn })).toEqual({ tags: [] });
  });

  it("fails if the ARN names a version, or a machine that is not there, as AWS's ResourceNotFound", async () => {
    t = await createStates();
    const stateMachineArn = await createMachine(t.states, 'flow', PASS);
    const { stateMachineVersionArn } = await t.states.PublishStateMachineVersion({ stateMachineArn });
    const tags = [{ key: 'a', value: '1' }];
    await expect(t.states.TagResource({ resourceArn: stateMachineVersionArn, tags })).rejects.toMatchObject({
      code: 'ResourceNotFound',
      message: `Resource not found: '${stateMachineVersionArn}'`,
    });
    expect(await errorCode(t.states.ListTagsForResource({ resourceArn: machineArn('nope') }))).toBe('ResourceNotFound');
    expect(await errorCode(t.states.UntagResource({ resourceArn: 'not-an-arn', tagKeys: [] }))).toBe('InvalidArn');
  });
});

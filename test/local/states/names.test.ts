import { describe, expect, it } from 'vitest';
import { BY_NAME, BY_OFFSET, pageOf, parseExecutionArn, parseStateMachineArn } from '../../../local/states/names.js';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:Orders';

describe('parseStateMachineArn', () => {
  it('reads the region, account and name of a state machine, and its version or alias', () => {
    expect(parseStateMachineArn(MACHINE)).toEqual({ region: 'us-east-1', account: '123456789012', name: 'Orders', qualifier: undefined });
    expect(parseStateMachineArn(`${MACHINE}:7`).qualifier).toBe('7');
    expect(parseStateMachineArn('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:Orders:PROD')).toMatchObject({
      region: 'cn-north-1',
      name: 'Orders',
      qualifier: 'PROD',
    });
  });

  it.each([
    ['another service', 'arn:aws:lambda:us-east-1:123456789012:stateMachine:Orders'],
    ['an execution', 'arn:aws:states:us-east-1:123456789012:execution:Orders:run-1'],
    ['an account that is not 12 digits', 'arn:aws:states:us-east-1:1234:stateMachine:Orders'],
    ['an upper-case region', 'arn:aws:states:US-EAST-1:123456789012:stateMachine:Orders'],
    ['a partition that is not AWS', 'arn:other:states:us-east-1:123456789012:stateMachine:Orders'],
    ['no name', 'arn:aws:states:us-east-1:123456789012:stateMachine:'],
    ['an empty qualifier', `${MACHINE}:`],
    ['two qualifiers', `${MACHINE}:1:2`],
  ])('fails if the ARN is %s, with InvalidArn', (_, arn) => {
    expect(() => parseStateMachineArn(arn)).toThrow(expect.objectContaining({ code: 'InvalidArn', message: `Invalid Arn: '${arn}'` }));
  });

  it("fails if a name is given for an ARN, with AWS's InvalidArn naming the prefix", () => {
    expect(() => parseStateMachineArn('Orders')).toThrow(
      expect.objectContaining({ code: 'InvalidArn', message: "Invalid Arn: 'Invalid ARN prefix: Orders'" }),
    );
  });
});

describe('parseExecutionArn', () => {
  it('reads a standard execution and an Express one, whose ARN ends in a run id', () => {
    expect(parseExecutionArn('arn:aws:states:us-east-1:123456789012:execution:Orders:run-1')).toEqual({
      kind: 'execution',
      stateMachineName: 'Orders',
      name: 'run-1',
    });
    expect(parseExecutionArn('arn:aws:states:us-east-1:123456789012:express:Orders:run-1:4a6e1a8c-0d2b-4a41-9e0f-8e2a4c9f3b7d')).toEqual({
      kind: 'express',
      stateMachineName: 'Orders',
      name: 'run-1',
    });
  });

  it.each([
    ['a state machine', MACHINE],
    ['an execution without a name', 'arn:aws:states:us-east-1:123456789012:execution:Orders'],
    ['an execution with an empty machine', 'arn:aws:states:us-east-1:123456789012:execution::run-1'],
    ['an execution with two trailing parts', 'arn:aws:states:us-east-1:123456789012:express:Orders:run-1:a:b'],
  ])('fails if the ARN is %s, with InvalidArn', (_, arn) => {
    expect(() => parseExecutionArn(arn)).toThrow(expect.objectContaining({ code: 'InvalidArn' }));
  });
});

describe('pageOf', () => {
  const named = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name }));

  it('pages a list by name, the next page starting after the last name listed even when it was deleted meanwhile', () => {
    const first = pageOf(named, { maxResults: 2 }, 'things', BY_NAME);
    expect(first.page.map((t) => t.name)).toEqual(['a', 'b']);
    const rest = named.filter((t) => t.name !== 'b');
    const second = pageOf(rest, { maxResults: 2, nextToken: first.nextToken }, 'things', BY_NAME);
    expect(second.page.map((t) => t.name)).toEqual(['c', 'd']);
    const last = pageOf(rest, { maxResults: 2, nextToken: second.nextToken }, 'things', BY_NAME);
    expect(last).toEqual({ page: [{ name: 'e' }] });
  });

  it('pages a list that only grows by offset, and gives no token on the last page', () => {
    const first = pageOf([1, 2, 3], { maxResults: 2 }, 'history', BY_OFFSET);
    expect(first.page).toEqual([1, 2]);
    expect(pageOf([1, 2, 3, 4], { nextToken: first.nextToken }, 'history', BY_OFFSET)).toEqual({ page: [3, 4] });
    expect(pageOf([1, 2], {}, 'history', BY_OFFSET)).toEqual({ page: [1, 2] });
  });

  it('fails if the token continues another list, with InvalidToken', () => {
    const { nextToken } = pageOf(named, { maxResults: 1 }, 'things', BY_NAME);
    expect(() => pageOf(named, { nextToken }, 'other things', BY_NAME)).toThrow(expect.objectContaining({ code: 'InvalidToken' }));
  });
});

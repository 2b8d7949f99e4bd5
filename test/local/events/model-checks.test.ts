import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:q';

async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('the call succeeded');
}

/**
 * What the model declares (required members, lengths, ranges, patterns, enums, member types) is
 * checked by the endpoint before EventBridge's operations run: these answers are the codec's, and
 * the operations keep no copy of the checks.
 */
describe('EventBridge requests the model refuses', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly: () => assemblyOf({ Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'hub' } } }, 'Buses'),
    clients: ({ url }) => ({ events: new EventBridgeClient(sdkConfig(url)) }),
  });

  it.each([
    ['a rule name with a space', { Name: 'bad name', EventPattern: '{}' }, /at 'name' failed.*regular expression pattern/],
    ['a rule name over 64 characters', { Name: 'n'.repeat(65), EventPattern: '{}' }, /at 'name' failed.*length less than or equal to 64/],
    ['an unknown state', { Name: 'r', EventPattern: '{}', State: 'ON' as never }, /at 'state' failed.*enum value set/],
  ])('fails PutRule with %s', async (_what, input, message) => {
    expect(await failure(local.events.send(new PutRuleCommand(input)))).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(message),
    });
  });

  it.each([
    ['a target without an Arn', { Id: 'a' }, /^1 validation error detected: Value null at 'targets.2.member.arn'/],
    ['an Id over 64 characters', { Id: 'i'.repeat(65), Arn: QUEUE }, /at 'targets.2.member.id' failed.*less than or equal to 64/],
    ['an Id with a space', { Id: 'bad id', Arn: QUEUE }, /at 'targets.2.member.id' failed.*regular expression pattern/],
    [
      'a retry policy over 185 attempts',
      { Id: 'a', Arn: QUEUE, RetryPolicy: { MaximumRetryAttempts: 186 } },
      /maximumRetryAttempts.*less than or equal to 185/,
    ],
    ['an Input over 8192 characters', { Id: 'a', Arn: QUEUE, Input: `"${'x'.repeat(8192)}"` }, /at 'targets.2.member.input'.*8192/],
    [
      'an empty InputTemplate',
      { Id: 'a', Arn: QUEUE, InputTransformer: { InputTemplate: '' } },
      /inputTemplate.*greater than or equal to 1/,
    ],
    [
      'an InputPathsMap key outside the key pattern',
      { Id: 'a', Arn: QUEUE, InputTransformer: { InputTemplate: '"x"', InputPathsMap: { 'bad key': '$.id' } } },
      /^1 validation error detected: Value '\{bad key=\$\.id\}' at 'targets.2.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must satisfy regular expression pattern: \[A-Za-z0-9\\_\\-\]\+\]$/,
    ],
    [
      'an InputPathsMap path over 256 characters',
      { Id: 'a', Arn: QUEUE, InputTransformer: { InputTemplate: '"x"', InputPathsMap: { k: `$.${'a'.repeat(256)}` } } },
      /Map value must satisfy constraint: \[Member must have length less than or equal to 256\]/,
    ],
    [
      'an InputPathsMap of more than 100 entries',
      {
        Id: 'a',
        Arn: QUEUE,
        InputTransformer: {
          InputTemplate: '"x"',
          InputPathsMap: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, '$.id'])),
        },
      },
      /inputPathsMap' failed to satisfy constraint: Member must have length less than or equal to 100$/,
    ],
  ])('fails PutTargets as a whole with %s', async (_what, target, message) => {
    await local.events.send(new PutRuleCommand({ Name: 'r1', EventPattern: '{"source":["a"]}' }));
    // The valid target ahead of the bad one is not added either.
    expect(
      await failure(local.events.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 'good', Arn: QUEUE }, target as never] }))),
    ).toMatchObject({ name: 'ValidationException', message: expect.stringMatching(message) });
    expect((await local.events.send(new ListTargetsByRuleCommand({ Rule: 'r1' }))).Targets ?? []).toEqual([]);
  });

  it('fails PutTargets without targets', async () => {
    expect(await failure(local.events.send(new PutTargetsCommand({ Rule: 'r1', Targets: [] })))).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/at 'targets' failed.*greater than or equal to 1/),
    });
  });

  it('fails if a List call has a Limit out of range, or a bus name is outside the pattern', async () => {
    expect(await failure(local.events.send(new ListRulesCommand({ Limit: 0 })))).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/at 'limit'/),
    });
    expect(await failure(local.events.send(new CreateEventBusCommand({ Name: 'a b' })))).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/at 'name' failed.*regular expression pattern/),
    });
  });
});

import { LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { type QueueConsumersPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, inlineFunction } from '../template-resources.js';

const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });

const app = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Orders: queue('orders'),
      Idle: queue('idle'),
      Piped: queue('piped'),
      Stopped: queue('stopped'),
      Out: queue('out'),
      Consumer: inlineFunction('exports.handler = async () => ({});', { FunctionName: 'order-taker' }),
      OrdersMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'Consumer' }, EventSourceArn: arnOf('Orders'), BatchSize: 1 },
      },
      Pipe: { Type: 'AWS::Pipes::Pipe', Properties: { Name: 'piper', Source: arnOf('Piped'), Target: arnOf('Out') } },
      StoppedPipe: {
        Type: 'AWS::Pipes::Pipe',
        Properties: { Name: 'stopped-piper', Source: arnOf('Stopped'), Target: arnOf('Out'), DesiredState: 'STOPPED' },
      },
    }),
  ownsAssembly: true,
  clients: (runtime) => ({ lambda: new LambdaClient(sdkConfig(runtime.url)) }),
});

async function consumersOf(queueName: string): Promise<QueueConsumersPage['consumers']> {
  const queueArn = `arn:aws:sqs:us-east-1:000000000000:${queueName}`;
  const answer = await fetch(
    `${app.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.queueConsumers}?queueArn=${encodeURIComponent(queueArn)}`,
  );
  expect(answer.status).toBe(200);
  return ((await answer.json()) as QueueConsumersPage).consumers;
}

describe('the read API’s queue consumers', () => {
  it('lists the mapping and the pipes that read a queue, each paused or not, and none for a queue nothing reads', async () => {
    expect(await consumersOf('orders')).toEqual([{ kind: 'mapping', name: 'order-taker', state: 'Enabled', paused: false }]);
    expect(await consumersOf('piped')).toEqual([{ kind: 'pipe', name: 'piper', state: 'RUNNING', paused: false }]);
    expect(await consumersOf('stopped')).toEqual([{ kind: 'pipe', name: 'stopped-piper', state: 'STOPPED', paused: true }]);
    expect(await consumersOf('idle')).toEqual([]);

    const { EventSourceMappings = [] } = await app.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'order-taker' }));
    await app.lambda.send(new UpdateEventSourceMappingCommand({ UUID: EventSourceMappings[0]?.UUID, Enabled: false }));
    await eventually(async () => ((await consumersOf('orders'))[0]?.paused === true ? true : undefined), 10_000, 'the mapping paused');
  });

  it('refuses a request without the queue’s ARN', async () => {
    const answer = await fetch(`${app.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.queueConsumers}`);
    expect(answer.status).toBe(400);
  });
});

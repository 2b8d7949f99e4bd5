import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, receiveBodies, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, inlineFunction, queueSubscription, stateMachine } from '../template-resources.js';

const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });
const pipe = (name: string, source: string, props: Record<string, unknown>) => ({
  Type: 'AWS::Pipes::Pipe',
  Properties: { Name: name, Source: arnOf(source), SourceParameters: { SqsQueueParameters: { BatchSize: 10 } }, ...props },
});

/** Each event of the batch, marked as enriched (JSONata, in an Express workflow). */
const ENRICH = {
  QueryLanguage: 'JSONata',
  StartAt: 'Mark',
  States: { Mark: { Type: 'Pass', Output: "{% [$map($states.input, function($v) { {'id': $v.id, 'enriched': true} })] %}", End: true } },
};
/** Answers `{}` whatever it gets: Pipes then drops the batch. */
const DROP = `exports.handler = async () => ({});`;

function assembly() {
  return assemblyOf(
    {
      ToStream: queue('to-stream'),
      ToTopic: queue('to-topic'),
      ToLogs: queue('to-logs'),
      Dropped: queue('dropped'),
      Standard: queue('standard-source'),
      TopicOut: queue('topic-out'),
      DropOut: queue('drop-out'),
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'enriched', ShardCount: 1 } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'pipe-topic' } },
      TopicSub: queueSubscription('Topic', 'TopicOut', { RawMessageDelivery: true }),
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: 'pipe-logs' } },
      Enricher: stateMachine(ENRICH, { StateMachineName: 'enricher', StateMachineType: 'EXPRESS' }),
      Slow: stateMachine(ENRICH, { StateMachineName: 'standard-enricher' }),
      Dropper: inlineFunction(DROP, { FunctionName: 'dropper', Runtime: 'nodejs22.x' }),
      StreamPipe: pipe('stream-pipe', 'ToStream', {
        Enrichment: { Ref: 'Enricher' },
        EnrichmentParameters: { InputTemplate: '{"id": <$.body.id>}' },
        Target: arnOf('Stream'),
        TargetParameters: { KinesisStreamParameters: { PartitionKey: '$.id' } },
      }),
      TopicPipe: pipe('topic-pipe', 'ToTopic', {
        Target: { Ref: 'Topic' },
        TargetParameters: { InputTemplate: '{"note": <$.body.note>}' },
      }),
      LogsPipe: pipe('logs-pipe', 'ToLogs', {
        Target: arnOf('Logs'),
        TargetParameters: { CloudWatchLogsParameters: { LogStreamName: 'from-pipe' }, InputTemplate: '{"line": <$.body.line>}' },
      }),
      DropPipe: pipe('drop-pipe', 'Dropped', { Enrichment: arnOf('Dropper'), Target: arnOf('DropOut') }),
      StandardPipe: pipe('standard-pipe', 'Standard', { Enrichment: { Ref: 'Slow' }, Target: arnOf('DropOut') }),
    },
    'PipeKinds',
  );
}

describe('EventBridge Pipes enrichments and targets (local)', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly,
    options: { pipesRetryBaseMs: 50 },
    clients: ({ url }) => ({ sqs: new SQSClient(sdkConfig(url)) }),
  });

  const send = (name: string, body: unknown) =>
    local.sqs.send(new SendMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl(name), MessageBody: JSON.stringify(body) }));

  it('enriches through an Express state machine and puts each answer on a Kinesis stream, keyed by its partition key parameter', async () => {
    await send('to-stream', { id: 'a-1' });
    const kinesis = new KinesisClient({ endpoint: local.runtime.url, region, credentials });
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'enriched', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const records = await eventually(async () => {
      const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      return Records.length > 0 ? Records : undefined;
    });
    expect(records.map((r) => [r.PartitionKey, JSON.parse(Buffer.from(r.Data ?? []).toString())])).toEqual([
      ['a-1', { id: 'a-1', enriched: true }],
    ]);
    kinesis.destroy();
  });

  it('publishes each event to an SNS topic target', async () => {
    await send('to-topic', { note: 'hello' });
    expect((await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('topic-out'), 1)).map((b) => JSON.parse(b))).toEqual([
      { note: 'hello' },
    ]);
  });

  it('writes each event to a log group target, in the stream its parameters name', async () => {
    await send('to-logs', { line: 'logged' });
    const logs = new CloudWatchLogsClient({ endpoint: local.runtime.url, region, credentials });
    const events = await eventually(async () => {
      const answer = await logs
        .send(new GetLogEventsCommand({ logGroupName: 'pipe-logs', logStreamName: 'from-pipe' }))
        .catch(() => undefined);
      return answer?.events?.length ? answer.events : undefined;
    });
    expect(events.map((e) => JSON.parse(e.message ?? ''))).toEqual([{ line: 'logged' }]);
    logs.destroy();
  });

  it('drops a batch its enrichment answers with an empty object', async () => {
    await send('dropped', { id: 'gone' });
    await eventually(async () =>
      (await local.runtime.sqs.GetQueueAttributes({ QueueUrl: local.runtime.sqs.queueUrl('dropped'), AttributeNames: ['All'] })).Attributes
        ?.ApproximateNumberOfMessages === '0'
        ? true
        : undefined,
    );
    await local.runtime.pipes.idle();
    expect(await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('drop-out'), 0, 500)).toEqual([]);
  });

  it('fails if the enrichment is a Standard state machine: named at start-up, the pipe not run', () => {
    expect(local.runtime.warnings.join('\n')).toContain(
      'its enrichment arn:aws:states:us-east-1:000000000000:stateMachine:standard-enricher is a STANDARD state machine',
    );
    expect(local.runtime.pipes.describe().map((p) => p.name)).not.toContain('standard-pipe');
  });
});

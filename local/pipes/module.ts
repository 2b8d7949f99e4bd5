import { randomUUID } from 'node:crypto';
import { ApiDestinationCaller } from '../events/api-destination-call.js';
import type { IamCheck } from '../iam/iam-check.js';
import { parseArn } from '../names/arn.js';
import type { ServiceLookup, ServiceModule, ServiceTypes } from '../service-registry/service-module.js';
import { pipeDefinitions } from './definitions.js';
import type { PipeServices } from './pipe-delivery.js';
import { type KinesisSource, PipesService } from './pipes-service.js';
import { pipesReads, type QueueReaders } from './read-routes.js';
import { PIPES_TYPE_SPECS } from './resource-types.js';
import { pipeLines } from './startup-lines.js';

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    pipes: PipesService;
  }
  interface ServiceOptions {
    /** The first retry of a failed pipe batch waits this long, doubling up to a minute. @default 1000 */
    readonly pipesRetryBaseMs?: number;
  }
}

/** EventBridge Pipes with DynamoDB stream, Kinesis stream and SQS sources (and Lambda mappings of streams). */
export const pipesModule: ServiceModule<'pipes', ReturnType<typeof pipeDefinitions>> = {
  name: 'pipes',
  needs: ['iam', 'dynamodb', 'kinesis', 'lambda', 'events', 'sqs', 'sns', 'states', 'logs', 's3', 'firehose'],
  databases: ['pipes'],
  resourceTypes: PIPES_TYPE_SPECS,
  definitions: pipeDefinitions,
  create({ settings, database, services }, template) {
    const { clock, log, options, accountId } = settings;
    const iam = services.get('iam');
    const streams = services.get('dynamodb').streams;
    const sqs = services.get('sqs');
    const kinesis = services.get('kinesis');
    const pipes = new PipesService({
      db: database('pipes'),
      clock,
      pipes: template.pipes,
      source: {
        exists: (arn) => streams.store.stream(arn) !== undefined,
        readAfter: (arn, after, limit) => streams.readAfter(arn, after, limit),
        latestPosition: (arn) => streams.store.latestPosition(arn),
        onRecords: (listener) => streams.store.onRecords(listener),
      },
      kinesis: kinesisSource(kinesis),
      queues: {
        region: settings.region,
        GetQueueUrl: (input) => sqs.GetQueueUrl(input),
        ReceiveMessage: (input, receive) => sqs.ReceiveMessage(input, receive),
        DeleteMessageBatch: (input) => sqs.DeleteMessageBatch(input),
        visibleMessages: async (QueueUrl) =>
          Number(
            (await sqs.GetQueueAttributes({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })).Attributes
              ?.ApproximateNumberOfMessages ?? 0,
          ),
      },
      services: {
        lambda: services.get('lambda'),
        events: services.get('events'),
        sqs: { queueUrlOf: (arn) => sqs.queueUrl(parseArn(arn).resourceId), SendMessage: (input) => sqs.SendMessage(input) },
        states: services.get('states'),
        sns: services.get('sns'),
        kinesis: { PutRecords: (input) => kinesis.api.PutRecords(input) },
        firehose: firehoseTarget(() => services.get('firehose')),
        logs: services.get('logs'),
        s3: {
          putObject: (Bucket, Key, body) =>
            services
              .get('s3')
              .s3.PutObject(
                { Bucket, Key, Body: Buffer.from(body), ContentType: 'application/json' },
                { requestId: randomUUID(), sourceIp: '127.0.0.1' },
              ),
        },
        // API destinations through their connections; API Gateway REST APIs at the local endpoint's URL for them.
        http: { apiDestinations: new ApiDestinationCaller(clock), apiGatewayUrl: `${settings.url}/_aws/execute-api/` },
      },
      // A pipe reads and delivers as its role; a mapping reads as its function's role (invoking the function needs no grant).
      authorize: async (pipe, resourceArn, use) => {
        if (pipe.roleArn === undefined) return undefined;
        const from = { kind: 'role', roleArn: pipe.roleArn, sessionName: pipe.name } as const;
        const where = `${pipe.mapping ? 'event source mapping' : 'pipe'} ${pipe.name}`;
        const refusal =
          use === 'read'
            ? await iam.authorize(
                from,
                sourceReads(iam, resourceArn, (arn) => sqs.queueUrlFromArn(arn)),
                where,
              )
            : await iam.authorizeDelivery(from, resourceArn, { arn: pipe.arn, account: accountId }, where, use === 'run');
        return refusal?.message;
      },
      log: (line) => log(`[pipes] ${line}`),
      ...(options.pipesRetryBaseMs === undefined ? {} : { retryBaseMs: options.pipesRetryBaseMs }),
    });
    // Lambda's API lists and updates the stream mappings this service runs.
    services.get('lambda').attachStreamMappings(pipes);
    return {
      service: pipes,
      mounts: {
        reads: pipesReads(pipes, queueReaders(services, pipes)),
      },
      start: () => pipes.start(),
      // First of all (it needs every service it delivers to): the batch in flight finishes, and its position is committed, while its target still runs.
      stop: () => pipes.stop(),
    };
  },
  report: (pipes) => ({ serves: pipeLines(pipes.describe()) }),
};

/** What reads a queue, for the read API's `/queue-consumers`: Lambda's mappings of it (ListEventSourceMappings, in this process) and the pipes. */
function queueReaders(services: ServiceLookup, pipes: PipesService): QueueReaders {
  return {
    async listMappings(EventSourceArn) {
      const mappings = services.get('lambda').eventSourceMappings;
      const listed: { FunctionArn?: string; State?: string }[] = [];
      let Marker: string | undefined;
      do {
        const page = await mappings.ListEventSourceMappings(Marker === undefined ? { EventSourceArn } : { EventSourceArn, Marker });
        listed.push(...page.EventSourceMappings);
        Marker = page.NextMarker;
      } while (Marker !== undefined);
      return listed;
    },
    pipes,
  };
}

/** Where pipes and mappings read a Kinesis stream's shards: the local Kinesis's store. */
/** A Firehose delivery stream target: its PutRecord and PutRecordBatch. */
function firehoseTarget(firehose: () => ServiceTypes['firehose']): NonNullable<PipeServices['firehose']> {
  return { PutRecord: (input) => firehose().PutRecord(input), PutRecordBatch: (input) => firehose().PutRecordBatch(input) };
}

function kinesisSource(kinesis: ServiceTypes['kinesis']): KinesisSource {
  return {
    shardIds: (arn) => kinesis.api.streamByArn(arn)?.shards.map((s) => s.shardId),
    read: (arn, shardId, after, limit) => {
      const stream = kinesis.api.streamByArn(arn);
      return stream === undefined ? [] : kinesis.store.read(stream, shardId, after, limit);
    },
    latestPosition: (arn, shardId) => {
      const stream = kinesis.api.streamByArn(arn);
      return stream === undefined ? 0 : kinesis.store.latestPosition(stream, shardId);
    },
    positionBefore: (arn, shardId, ms) => {
      const stream = kinesis.api.streamByArn(arn);
      return stream === undefined ? 0 : kinesis.store.positionBefore(stream, shardId, ms);
    },
    onRecords: (listener) => kinesis.store.onRecords(listener),
  };
}

/**
 * What reading the source takes (the pipe's and a mapping's documented permissions), as the
 * operations table maps each call: a stream's reads, or a queue's receive, delete and attributes.
 */
function sourceReads(iam: IamCheck, sourceArn: string, queueUrlOf: (arn: string) => string) {
  if (parseArn(sourceArn).service === 'sqs') {
    const QueueUrl = queueUrlOf(sourceArn);
    return ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'].flatMap((operation) =>
      iam.authorizationsOf('sqs', operation, { QueueUrl }),
    );
  }
  if (parseArn(sourceArn).service === 'kinesis') {
    // Lambda's documented permissions for a Kinesis source (AWSLambdaKinesisExecutionRole), on the stream as CDK's grantRead names it.
    return [
      ...['DescribeStream', 'DescribeStreamSummary', 'GetShardIterator', 'GetRecords', 'ListShards'].flatMap((operation) =>
        iam.authorizationsOf('kinesis', operation, { StreamARN: sourceArn }),
      ),
      { action: 'kinesis:ListStreams', resource: sourceArn, onNamedResource: true } as const,
    ];
  }
  // ListStreams is checked on the stream, as AWS's own example policies for a stream source grant it
  // (the DynamoDB developer guide's policy for Lambda: `Resource: ...table/<name>/stream/*`).
  const listStreams = { action: 'dynamodb:ListStreams', resource: sourceArn, onNamedResource: true } as const;
  return [
    ...['DescribeStream', 'GetShardIterator', 'GetRecords'].flatMap((operation) =>
      iam.authorizationsOf('dynamodb', operation, { StreamArn: sourceArn }),
    ),
    listStreams,
  ];
}

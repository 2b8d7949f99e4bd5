import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it, vi } from 'vitest';
import { embeddedMetrics } from '../../../local/cloudwatch/embedded-metrics.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';

/** What Powertools Metrics writes for one count with the service dimension: one line to stdout, through a Console of its own. */
function powertoolsDocument(): string {
  const written: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  // The test setup turns Powertools Metrics off (vitest.config.ts): this one writes.
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  try {
    const metrics = new Metrics({ namespace: 'Shop', serviceName: 'orders' });
    metrics.addMetric('OrderPlaced', MetricUnit.Count, 2);
    metrics.publishStoredMetrics();
  } finally {
    write.mockRestore();
    vi.unstubAllEnvs();
  }
  const line = written.join('').trim();
  if (line === '') throw new Error('Powertools Metrics wrote no line');
  return line;
}

describe('embeddedMetrics', () => {
  it("reads Powertools Metrics' document as a PutMetricData request of its namespace, dimensions and values", () => {
    const document = powertoolsDocument();
    const timestamp = (JSON.parse(document) as { _aws: { Timestamp: number } })._aws.Timestamp;
    expect(embeddedMetrics(document)).toEqual({
      requests: [
        {
          Namespace: 'Shop',
          MetricData: [
            {
              MetricName: 'OrderPlaced',
              Dimensions: [{ Name: 'service', Value: 'orders' }],
              Timestamp: timestamp / 1000,
              Values: [2],
              Unit: 'Count',
            },
          ],
        },
      ],
    });
  });

  it('makes a metric of each dimension set, and of an array of values one datum', () => {
    const document = {
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['a'], ['a', 'b'], []], Metrics: [{ Name: 'Latency' }] }],
      },
      a: 'x',
      b: 'y',
      Latency: [1, 2, 3],
    };
    const read = embeddedMetrics(JSON.stringify(document));
    expect(read && 'requests' in read ? read.requests[0]?.MetricData?.map((d) => [d.Dimensions, d.Values]) : read).toEqual([
      [[{ Name: 'a', Value: 'x' }], [1, 2, 3]],
      [
        [
          { Name: 'a', Value: 'x' },
          { Name: 'b', Value: 'y' },
        ],
        [1, 2, 3],
      ],
      [[], [1, 2, 3]],
    ]);
  });

  it('leaves lines that are not EMF alone: text, JSON without _aws, a prefixed document', () => {
    expect(embeddedMetrics('hello')).toBeUndefined();
    expect(embeddedMetrics('{"level":"INFO","message":"_aws"}')).toBeUndefined();
    expect(embeddedMetrics(`2024-01-01T00:00:00.000Z\tid\tINFO\t${powertoolsDocument()}`)).toBeUndefined();
  });

  it('fails if a metric has no value in the root or a dimension no text', () => {
    const directive = { Namespace: 'N', Dimensions: [['service']], Metrics: [{ Name: 'Count' }] };
    expect(embeddedMetrics(JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [directive] }, service: 's' }))).toEqual({
      invalid: "_aws.CloudWatchMetrics[0]: the metric Count has no number (or array of at most 100 numbers) in the document's root",
    });
    expect(embeddedMetrics(JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [directive] }, Count: 1, service: 3 }))).toEqual({
      invalid: `_aws.CloudWatchMetrics[0]: the dimension "service" has no text value in the document's root`,
    });
    expect(embeddedMetrics(JSON.stringify({ _aws: { CloudWatchMetrics: [] } }))).toEqual({
      invalid: '_aws.Timestamp must be a number of milliseconds since the epoch',
    });
  });
});

/** A handler that writes an EMF document to stdout as Powertools does (its own Console: no Lambda prefix). */
const EMF_HANDLER = `
const { Console } = require('node:console');
const out = new Console({ stdout: process.stdout, stderr: process.stderr });
exports.handler = async (event) => {
  out.log(JSON.stringify({
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['service']], Metrics: [{ Name: 'OrderPlaced', Unit: 'Count' }] }] },
    service: 'orders',
    OrderPlaced: event.count,
  }));
  out.log(JSON.stringify({ _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [], Metrics: [{ Name: 'Missing' }] }] } }));
  return 'ok';
};`;

describe('CloudWatch metrics from embedded metric format logs', () => {
  const lines: string[] = [];
  const app = restartableRuntime({
    assembly: () => assemblyOf({ Orders: inlineFunction(EMF_HANDLER, { FunctionName: 'orders' }) }),
    ownsAssembly: true,
    options: { log: (line) => lines.push(line) },
    clients: (runtime) => ({
      cloudwatch: new CloudWatchClient(sdkConfig(runtime.url)),
      lambda: new LambdaClient(sdkConfig(runtime.url)),
      logs: new CloudWatchLogsClient(sdkConfig(runtime.url)),
    }),
  });

  it("publishes the metric a function's EMF line carries, and reports the line that carries none", async () => {
    const start = new Date(Date.now() - 120_000);
    for (const count of [2, 3]) await app.lambda.send(new InvokeCommand({ FunctionName: 'orders', Payload: JSON.stringify({ count }) }));
    const Dimensions = [{ Name: 'service', Value: 'orders' }];
    const sum = await eventually(async () => {
      const { Datapoints } = await app.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'Shop',
          MetricName: 'OrderPlaced',
          Dimensions,
          StartTime: start,
          EndTime: new Date(Date.now() + 60_000),
          Period: 3600,
          Statistics: ['Sum', 'SampleCount'],
        }),
      );
      return Datapoints?.[0]?.SampleCount === 2 ? Datapoints[0] : undefined;
    });
    expect(sum).toMatchObject({ Sum: 5, SampleCount: 2, Unit: 'Count' });
    expect(lines.join('\n')).toContain(
      '[cloudwatch] an embedded metric format event in /aws/lambda/orders published no metric: _aws.CloudWatchMetrics[0]: the metric Missing has no number',
    );
  });

  it('publishes the metrics of EMF events put with PutLogEvents', async () => {
    await app.logs.send(new CreateLogGroupCommand({ logGroupName: 'agent' }));
    await app.logs.send(new CreateLogStreamCommand({ logGroupName: 'agent', logStreamName: 's' }));
    const message = JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [{ Namespace: 'Agent', Dimensions: [['host']], Metrics: [{ Name: 'Mem', Unit: 'Bytes' }] }],
      },
      host: 'h1',
      Mem: 1024,
    });
    await app.logs.send(
      new PutLogEventsCommand({ logGroupName: 'agent', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message }] }),
    );
    expect((await app.cloudwatch.send(new ListMetricsCommand({ Namespace: 'Agent' }))).Metrics).toEqual([
      { Namespace: 'Agent', MetricName: 'Mem', Dimensions: [{ Name: 'host', Value: 'h1' }] },
    ]);
  });
});

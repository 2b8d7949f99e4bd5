import { rmSync } from 'node:fs';
import { CloudWatchClient, GetMetricDataCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { logGroupDefinitions } from '../../../local/logs/definitions.js';
import type { LoadedApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';

const GROUP = '/aws/lambda/orders';
const API = '/app/api';
const HANDLER = "exports.handler = async () => { console.log('ORDER_PLACED id=1'); return 'ok'; };";

const metricFilter = (name: string, pattern: string, transformation: Record<string, unknown>, group = GROUP) => ({
  Type: 'AWS::Logs::MetricFilter',
  Properties: {
    LogGroupName: group,
    FilterName: name,
    FilterPattern: pattern,
    MetricTransformations: [{ MetricNamespace: 'Shop', ...transformation }],
  },
});

/** The app: `placed` publishes `placedValue` for each order its function logs. */
const template = (placedValue: string) =>
  assemblyOf({
    // The function's own group, as CDK declares it for a function with a log group of its own.
    Group: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: GROUP } },
    Orders: inlineFunction(HANDLER, { FunctionName: 'orders' }),
    Placed: metricFilter('placed', 'ORDER_PLACED', { MetricName: 'Placed', MetricValue: placedValue }),
    Api: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: API } },
    Errors: metricFilter('errors', 'ERROR', { MetricName: 'Errors', MetricValue: '1', DefaultValue: 0 }, API),
    Latency: metricFilter('latency', '{ $.latency = * }', { MetricName: 'Latency', MetricValue: '$.latency', Unit: 'Milliseconds' }),
    ByRoute: metricFilter('by-route', '{ $.route = * }', {
      MetricName: 'Requests',
      MetricValue: '1',
      Dimensions: [{ Key: 'Route', Value: '$.route' }],
    }),
    Bytes: metricFilter('bytes', '[ip, user, status=2*, size]', { MetricName: 'Bytes', MetricValue: '$size', Unit: 'Bytes' }),
  });

const lines: string[] = [];
const app = restartableRuntime({
  assembly: () => template('1'),
  ownsAssembly: true,
  options: { log: (line) => lines.push(line) },
  clients: (runtime) => ({
    logs: new CloudWatchLogsClient(sdkConfig(runtime.url)),
    cloudwatch: new CloudWatchClient(sdkConfig(runtime.url)),
    lambda: new LambdaClient(sdkConfig(runtime.url)),
  }),
});

let streams = 0;
/** Puts messages to a new stream of a group (the function's by default), at this moment. */
async function put(messages: readonly string[], logGroupName = GROUP): Promise<void> {
  const logStreamName = `s${++streams}`;
  await app.logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
  const timestamp = Date.now();
  const logEvents = messages.map((message) => ({ timestamp, message }));
  await app.logs.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents }));
}

/** A metric's statistics over the last and next hour, one datapoint (undefined when it has no data). */
async function statistics(MetricName: string, Dimensions: { Name: string; Value: string }[] = []) {
  const { Datapoints } = await app.cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'Shop',
      MetricName,
      Dimensions,
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 3_600_000),
      Period: 7200,
      Statistics: ['Sum', 'SampleCount', 'Average'],
    }),
  );
  return Datapoints?.[0];
}

describe('CloudWatch Logs metric filters', () => {
  it("publishes a datum for each line of a function's own log that matches, read back with GetMetricStatistics", async () => {
    for (let i = 0; i < 2; i++) await app.lambda.send(new InvokeCommand({ FunctionName: 'orders' }));
    const datapoint = await eventually(async () => {
      const read = await statistics('Placed');
      return read?.SampleCount === 2 ? read : undefined;
    });
    expect(datapoint).toMatchObject({ Sum: 2, SampleCount: 2, Unit: 'None' });
  });

  it('publishes the default value for each event of PutLogEvents that does not match', async () => {
    await put(['ERROR one', 'all fine', 'still fine'], API);
    expect(await statistics('Errors')).toMatchObject({ Sum: 1, SampleCount: 3 });
  });

  it('takes the value from a JSON field of the event, read back with GetMetricData', async () => {
    await put([JSON.stringify({ latency: 40 }), JSON.stringify({ latency: 60 }), JSON.stringify({ other: 1 })]);
    const { MetricDataResults } = await app.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 3_600_000),
        EndTime: new Date(Date.now() + 3_600_000),
        MetricDataQueries: [
          { Id: 'avg', MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Latency' }, Period: 7200, Stat: 'Average' } },
          { Id: 'n', MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Latency' }, Period: 7200, Stat: 'SampleCount' } },
        ],
      }),
    );
    expect(MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
      ['avg', [50]],
      ['n', [2]],
    ]);
    expect(await statistics('Latency')).toMatchObject({ Unit: 'Milliseconds' });
  });

  it("takes a space-delimited event's named field as the value", async () => {
    await put(['10.0.0.1 alice 200 1500', '10.0.0.2 bob 404 99', '10.0.0.3 carol 201 500']);
    expect(await statistics('Bytes')).toMatchObject({ Sum: 2000, SampleCount: 2, Unit: 'Bytes' });
  });

  it("publishes each event's field as a dimension: a metric per value", async () => {
    await put(['{"route":"/a"}', '{"route":"/a"}', '{"route":"/b"}']);
    expect(await statistics('Requests', [{ Name: 'Route', Value: '/a' }])).toMatchObject({ Sum: 2 });
    expect(await statistics('Requests', [{ Name: 'Route', Value: '/b' }])).toMatchObject({ Sum: 1 });
    expect(await statistics('Requests')).toBeUndefined();
  });

  it('answers DescribeMetricFilters in the API shape and counts them in DescribeLogGroups', async () => {
    const { metricFilters } = await app.logs.send(new DescribeMetricFiltersCommand({ logGroupName: GROUP, filterNamePrefix: 'by-' }));
    expect(metricFilters).toEqual([
      {
        filterName: 'by-route',
        filterPattern: '{ $.route = * }',
        logGroupName: GROUP,
        creationTime: expect.any(Number),
        applyOnTransformedLogs: false,
        metricTransformations: [{ metricName: 'Requests', metricNamespace: 'Shop', metricValue: '1', dimensions: { Route: '$.route' } }],
      },
    ]);
    const byMetric = await app.logs.send(new DescribeMetricFiltersCommand({ metricName: 'Errors', metricNamespace: 'Shop' }));
    expect(byMetric.metricFilters?.map((f) => [f.filterName, f.metricTransformations?.[0]?.defaultValue])).toEqual([['errors', 0]]);
    const { logGroups } = await app.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: GROUP }));
    expect(logGroups?.[0]?.metricFilterCount).toBe(4);
  });

  it("answers TestMetricFilter with the matching messages and their fields' values", async () => {
    const { matches } = await app.logs.send(
      new TestMetricFilterCommand({
        filterPattern: '[ip, user, status=4*, size]',
        logEventMessages: ['1.1.1.1 a 200 5', '1.1.1.1 b 404 7'],
      }),
    );
    expect(matches).toEqual([
      { eventNumber: 2, eventMessage: '1.1.1.1 b 404 7', extractedValues: { $ip: '1.1.1.1', $user: 'b', $status: '404', $size: '7' } },
    ]);
  });

  it('fails if the metric value is neither a number nor a field of the pattern, or dimensions come with a default value', async () => {
    const request = (transformation: Record<string, unknown>, filterPattern = '{ $.n = * }') =>
      app.logs.send(
        new PutMetricFilterCommand({
          logGroupName: GROUP,
          filterName: 'bad',
          filterPattern,
          metricTransformations: [{ metricName: 'M', metricNamespace: 'Shop', metricValue: '1', ...transformation }],
        }),
      );
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: Error) => [error.name, error.message],
      );
    expect(await refusal(request({ metricValue: 'latency' }))).toEqual([
      'InvalidParameterException',
      'Invalid metric value: latency. The metric value must be a number, or a field of the filter pattern ($.field for a JSON pattern, $field for a space-delimited one).',
    ]);
    await expect(request({ defaultValue: 0, dimensions: { N: '$.n' } })).rejects.toThrow(
      'Dimensions and a default value cannot both be specified in a metric transformation.',
    );
    await expect(request({ dimensions: { N: '$.n' } }, 'ERROR')).rejects.toThrow(
      'The specified filter pattern does not support dimensions',
    );
    await expect(request({}, '{ $.n = ')).rejects.toBeInstanceOf(InvalidParameterException);
    const { metricFilters } = await app.logs.send(new DescribeMetricFiltersCommand({ logGroupName: GROUP, filterNamePrefix: 'bad' }));
    expect(metricFilters).toEqual([]);
  });

  it('stops publishing once the filter is deleted', async () => {
    await app.logs.send(
      new PutMetricFilterCommand({
        logGroupName: API,
        filterName: 'warnings',
        filterPattern: 'WARN',
        metricTransformations: [{ metricName: 'Warnings', metricNamespace: 'Shop', metricValue: '1' }],
      }),
    );
    await put(['WARN one'], API);
    expect(await statistics('Warnings')).toMatchObject({ Sum: 1 });
    await app.logs.send(new DeleteMetricFilterCommand({ logGroupName: API, filterName: 'warnings' }));
    // The errors filter, still there, shows the events were taken in: the deleted one's sum stays.
    const errors = await statistics('Errors');
    await put(['WARN two', 'ERROR three'], API);
    expect(await statistics('Errors')).toMatchObject({ Sum: (errors?.Sum ?? 0) + 1 });
    expect(await statistics('Warnings')).toMatchObject({ Sum: 1, SampleCount: 1 });
    await expect(app.logs.send(new DeleteMetricFilterCommand({ logGroupName: API, filterName: 'warnings' }))).rejects.toThrow(
      'The specified metric filter does not exist.',
    );
  });

  it("follows the template's changes at a reload (switchyard dev's synthesis)", async () => {
    const changed = template('5');
    try {
      const summary = await app.runtime.reload(changed);
      expect(summary.reloaded).toContain('metric filter placed (changed)');
      const { metricFilters } = await app.logs.send(new DescribeMetricFiltersCommand({ logGroupName: GROUP, filterNamePrefix: 'placed' }));
      expect(metricFilters?.[0]?.metricTransformations?.[0]?.metricValue).toBe('5');
    } finally {
      rmSync(changed, { recursive: true, force: true });
    }
  });

  it('says nothing at start-up of metric filters not running', () => {
    expect(app.runtime.warnings.join('\n')).not.toContain('metric filters are not run locally');
    expect(lines.join('\n')).not.toContain('is not run');
  });
});

describe('logGroupDefinitions', () => {
  const resource = (transformation: Record<string, unknown>) => ({
    type: 'AWS::Logs::MetricFilter',
    stackName: 'Stack',
    logicalId: 'Metric',
    physicalName: 'metric',
    properties: { LogGroupName: '/app', FilterPattern: '', MetricTransformations: [transformation] },
  });
  const read = (transformation: Record<string, unknown>) =>
    logGroupDefinitions({ stacks: [{ resources: [resource(transformation)] }] } as unknown as LoadedApp);

  it("reads a template's metric filter in PutMetricFilter's shape, its Dimensions list as a map", () => {
    const { metricFilters, warnings } = read({
      MetricName: 'M',
      MetricNamespace: 'N',
      MetricValue: '$.n',
      Dimensions: [{ Key: 'Route', Value: '$.route' }],
      Unit: 'Count',
    });
    expect(warnings).toEqual([]);
    expect(metricFilters).toEqual([
      {
        group: '/app',
        name: 'metric',
        pattern: '',
        transformation: { metricName: 'M', metricNamespace: 'N', metricValue: '$.n', dimensions: { Route: '$.route' }, unit: 'Count' },
      },
    ]);
  });

  it('fails if a name, namespace, value or dimension does not resolve: no metric named "undefined"', () => {
    for (const transformation of [
      { MetricNamespace: 'N', MetricValue: '1' },
      { MetricName: 'M', MetricNamespace: 'N', MetricValue: '1', Dimensions: [{ Key: 'Route' }] },
    ]) {
      const { metricFilters, warnings } = read(transformation);
      expect(metricFilters).toEqual([]);
      expect(warnings).toEqual([
        "Stack/Metric (AWS::Logs::MetricFilter): its MetricName, MetricNamespace, MetricValue, a dimension's Key or Value or its DefaultValue does not resolve locally; it is not run",
      ]);
    }
  });
});

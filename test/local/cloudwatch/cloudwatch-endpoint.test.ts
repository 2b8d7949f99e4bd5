import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  type ListMetricsCommandInput,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

function alarmApp(dir: string): string {
  return writeAssembly(dir, {
    Alarms: {
      template: {
        Resources: {
          Errors: {
            Type: 'AWS::CloudWatch::Alarm',
            Properties: {
              AlarmName: 'orders-errors',
              Namespace: 'Shop',
              MetricName: 'Errors',
              Statistic: 'Sum',
              Period: 60,
              EvaluationPeriods: 1,
              Threshold: 5,
              ComparisonOperator: 'GreaterThanThreshold',
            },
          },
        },
      },
    },
  });
}

/** A whole minute a little in the past, so that every datum of a test lands in one period. */
const minute = () => new Date(Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000);

describe('CloudWatchService over the local endpoint', () => {
  const app = restartableRuntime({
    assembly: () => alarmApp(tempAssemblyDir()),
    ownsAssembly: true,
    clients: (runtime) => ({ cloudwatch: new CloudWatchClient(sdkConfig(runtime.url)) }),
  });

  it('answers statistics of values, values with counts and statistic sets put in one period, across a restart', async () => {
    const at = minute();
    const Dimensions = [{ Name: 'Service', Value: 'orders' }];
    await app.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          { MetricName: 'Latency', Dimensions, Timestamp: at, Value: 10, Unit: 'Milliseconds' },
          { MetricName: 'Latency', Dimensions, Timestamp: at, Values: [20, 40], Counts: [2, 1], Unit: 'Milliseconds' },
          {
            MetricName: 'Latency',
            Dimensions,
            Timestamp: new Date(at.getTime() + 30_000),
            StatisticValues: { SampleCount: 2, Sum: 6, Minimum: 1, Maximum: 5 },
            Unit: 'Milliseconds',
          },
        ],
      }),
    );
    await app.restart();
    const answer = await app.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Shop',
        MetricName: 'Latency',
        Dimensions,
        StartTime: new Date(at.getTime() - 60_000),
        EndTime: new Date(at.getTime() + 60_000),
        Period: 60,
        Statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum', 'Average'],
      }),
    );
    expect(answer.Label).toBe('Latency');
    expect(answer.Datapoints).toEqual([
      { Timestamp: at, SampleCount: 6, Sum: 96, Minimum: 1, Maximum: 40, Average: 16, Unit: 'Milliseconds' },
    ]);
  });

  it('answers percentiles from the values put, and none for a metric with other dimensions', async () => {
    const at = minute();
    await app.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'Pct',
        MetricData: [{ MetricName: 'Size', Timestamp: at, Values: [1, 2, 3, 4, 100], Counts: [20, 20, 20, 30, 10] }],
      }),
    );
    const ask = (Dimensions?: { Name: string; Value: string }[]) =>
      app.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'Pct',
          MetricName: 'Size',
          Dimensions,
          StartTime: at,
          EndTime: new Date(at.getTime() + 60_000),
          Period: 60,
          ExtendedStatistics: ['p50', 'p95', 'p99.9'],
        }),
      );
    const { Datapoints } = await ask();
    expect(Datapoints?.map((d) => d.ExtendedStatistics)).toEqual([{ p50: 3, p95: 100, 'p99.9': 100 }]);
    expect(Datapoints?.[0]?.Unit).toBe('None');
    expect((await ask([{ Name: 'Host', Value: 'a' }])).Datapoints).toEqual([]);
  });

  it('lists metrics by namespace, name and dimension filter, dimensions in name order', async () => {
    await app.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'List',
        MetricData: [
          {
            MetricName: 'Hits',
            Dimensions: [
              { Name: 'b', Value: '2' },
              { Name: 'a', Value: '1' },
            ],
            Value: 1,
          },
          { MetricName: 'Hits', Dimensions: [{ Name: 'a', Value: '9' }], Value: 1 },
          { MetricName: 'Misses', Value: 1 },
        ],
      }),
    );
    const list = async (input: ListMetricsCommandInput) => (await app.cloudwatch.send(new ListMetricsCommand(input))).Metrics;
    expect(await list({ Namespace: 'List', MetricName: 'Hits', Dimensions: [{ Name: 'b' }] })).toEqual([
      {
        Namespace: 'List',
        MetricName: 'Hits',
        Dimensions: [
          { Name: 'a', Value: '1' },
          { Name: 'b', Value: '2' },
        ],
      },
    ]);
    expect((await list({ Namespace: 'List', Dimensions: [{ Name: 'a', Value: '9' }] }))?.length).toBe(1);
    expect((await list({ Namespace: 'List', RecentlyActive: 'PT3H' }))?.map((m) => m.MetricName).sort()).toEqual([
      'Hits',
      'Hits',
      'Misses',
    ]);
  });

  it('answers GetMetricData MetricStat queries newest first, and ascending when asked', async () => {
    const at = minute();
    await app.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'Data',
        MetricData: [
          { MetricName: 'Orders', Timestamp: at, Value: 2 },
          { MetricName: 'Orders', Timestamp: new Date(at.getTime() + 60_000), Value: 3 },
          { MetricName: 'Orders', Timestamp: new Date(at.getTime() + 60_000), Value: 4 },
        ],
      }),
    );
    const query = (ScanBy?: 'TimestampAscending') =>
      app.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: at,
          EndTime: new Date(at.getTime() + 120_000),
          ScanBy,
          MetricDataQueries: [
            { Id: 'sum', MetricStat: { Metric: { Namespace: 'Data', MetricName: 'Orders' }, Period: 60, Stat: 'Sum' } },
            {
              Id: 'hidden',
              MetricStat: { Metric: { Namespace: 'Data', MetricName: 'Orders' }, Period: 60, Stat: 'Maximum' },
              ReturnData: false,
            },
          ],
        }),
      );
    const { MetricDataResults, Messages } = await query();
    expect(Messages).toEqual([]);
    expect(MetricDataResults).toEqual([
      {
        Id: 'sum',
        Label: 'Orders',
        Timestamps: [new Date(at.getTime() + 60_000), at],
        Values: [7, 2],
        StatusCode: 'Complete',
      },
    ]);
    expect((await query('TimestampAscending')).MetricDataResults?.[0]?.Values).toEqual([2, 7]);
  });

  it("lists the template's alarms in INSUFFICIENT_DATA", async () => {
    const { MetricAlarms, CompositeAlarms } = await app.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'orders' }));
    expect(CompositeAlarms).toEqual([]);
    expect(MetricAlarms).toMatchObject([
      {
        AlarmName: 'orders-errors',
        AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:orders-errors',
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation',
        Namespace: 'Shop',
        MetricName: 'Errors',
        Threshold: 5,
        Period: 60,
        ActionsEnabled: true,
        AlarmActions: [],
      },
    ]);
    expect((await app.cloudwatch.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }))).MetricAlarms).toEqual([]);
  });

  it('says at start-up that alarms are not evaluated', () => {
    expect(app.runtime.warnings.join('\n')).toMatch(/Alarms\/Errors \(AWS::CloudWatch::Alarm\): alarms are not evaluated locally/);
    expect(app.runtime.warnings.join('\n')).toMatch(/AWS\/Lambda.*not published locally/);
  });

  it('fails if Value and Values are given together, naming both as the query protocol does', async () => {
    const error = await app.cloudwatch
      .send(new PutMetricDataCommand({ Namespace: 'Bad', MetricData: [{ MetricName: 'm', Value: 1, Values: [1] }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterCombinationException);
    expect((error as Error).message).toBe(
      'The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.',
    );
  });

  it('fails if Values and Counts differ in size, or a namespace is one of AWS', async () => {
    const error = await app.cloudwatch
      .send(new PutMetricDataCommand({ Namespace: 'Bad', MetricData: [{ MetricName: 'm', Values: [1, 2], Counts: [1] }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    // The query code, which botocore reports, travels in x-amzn-query-error.
    expect(error).toMatchObject({
      Code: 'InvalidParameterValue',
      message: 'The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.',
    });
    await expect(
      app.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'Errors', Value: 1 }] })),
    ).rejects.toThrow('The value AWS/Lambda for parameter Namespace is invalid.');
  });

  it('fails if a timestamp is older than two weeks, and stores nothing of the request', async () => {
    const old = new Date(Date.now() - 15 * 86_400_000);
    await expect(
      app.cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'Old',
          MetricData: [
            { MetricName: 'kept', Value: 1 },
            { MetricName: 'old', Value: 1, Timestamp: old },
          ],
        }),
      ),
    ).rejects.toThrow('The parameter MetricData.member.2.Timestamp must specify a time within the past two weeks.');
    expect((await app.cloudwatch.send(new ListMetricsCommand({ Namespace: 'Old' }))).Metrics).toEqual([]);
  });

  it('fails if GetMetricStatistics asks for more than 1440 datapoints or ends before it starts', async () => {
    const end = new Date();
    await expect(
      app.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'x',
          MetricName: 'y',
          StartTime: new Date(end.getTime() - 86_400_000),
          EndTime: end,
          Period: 1,
          Statistics: ['Sum'],
        }),
      ),
    ).rejects.toThrow(InvalidParameterCombinationException);
    await expect(
      app.cloudwatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'x',
          MetricName: 'y',
          StartTime: end,
          EndTime: new Date(end.getTime() - 1000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      ),
    ).rejects.toThrow('The parameter StartTime must be less than the parameter EndTime.');
  });

  it('fails if a GetMetricData query is a metric math expression, saying it is not evaluated locally', async () => {
    await expect(
      app.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(Date.now() - 60_000),
          EndTime: new Date(),
          MetricDataQueries: [{ Id: 'e1', Expression: 'SUM(METRICS())' }],
        }),
      ),
    ).rejects.toThrow(/Expression: metric math and Metrics Insights queries are not evaluated by the local CloudWatch/);
  });
});

import { decode, encode } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { AWS_CLI_V1, awsCliV1Missing, formPost, runCli } from '../endpoint/clients.js';
import { restartableRuntime } from '../restartable-runtime.js';

const CBOR_PATH = '/service/GraniteServiceVersion20100801/operation/';

/** One RPC v2 CBOR call, as the AWS SDKs that speak CloudWatch's newest protocol make it. */
async function cborCall(url: string, operation: string, input: object) {
  const response = await fetch(`${url}${CBOR_PATH}${operation}`, {
    method: 'POST',
    headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor', accept: 'application/cbor' },
    body: encode(input),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: decode(new Uint8Array(await response.arrayBuffer())) as Record<string, unknown>,
  };
}

describe('CloudWatch over its query, JSON (AWS CLI v1) and RPC v2 CBOR protocols', () => {
  const app = restartableRuntime({
    assembly: () => writeAssembly(tempAssemblyDir(), { Empty: { template: { Resources: {} } } }),
    ownsAssembly: true,
  });

  it.skipIf(awsCliV1Missing)('puts a metric and reads its statistics with the AWS CLI v1', async () => {
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000).toISOString();
    const put = await runCli(AWS_CLI_V1, app.runtime.url, [
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'Cli',
      '--metric-name',
      'Hits',
      '--dimensions',
      'Service=api',
      '--value',
      '3',
      '--unit',
      'Count',
      '--timestamp',
      at,
    ]);
    expect(put).toMatchObject({ code: 0, stderr: '' });
    const stats = await runCli(AWS_CLI_V1, app.runtime.url, [
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'Cli',
      '--metric-name',
      'Hits',
      '--dimensions',
      'Name=Service,Value=api',
      '--start-time',
      new Date(Date.parse(at) - 60_000).toISOString(),
      '--end-time',
      new Date(Date.parse(at) + 60_000).toISOString(),
      '--period',
      '60',
      '--statistics',
      'Sum',
      'SampleCount',
    ]);
    expect(stats.code).toBe(0);
    const { Datapoints, Label } = JSON.parse(stats.stdout) as { Label: string; Datapoints: Record<string, unknown>[] };
    expect(Label).toBe('Hits');
    // JSON's times are epoch seconds, which the CLI v1 prints as they came (its cli_timestamp_format is none).
    expect(Datapoints).toEqual([{ Timestamp: Date.parse(at) / 1000, Sum: 3, SampleCount: 1, Unit: 'Count' }]);
  });

  it.skipIf(awsCliV1Missing)('fails if the AWS CLI v1 calls an operation the local CloudWatch does not serve, naming it', async () => {
    const alarm = await runCli(AWS_CLI_V1, app.runtime.url, ['cloudwatch', 'delete-alarms', '--alarm-names', 'x']);
    expect(alarm.code).not.toBe(0);
    expect(alarm.stderr).toContain('DeleteAlarms is not supported by the local CloudWatch service');
  });

  it.skipIf(awsCliV1Missing)('fails if the AWS CLI v1 puts to an AWS namespace, reporting the query code', async () => {
    const put = await runCli(AWS_CLI_V1, app.runtime.url, [
      'cloudwatch',
      'put-metric-data',
      '--namespace',
      'AWS/Lambda',
      '--metric-name',
      'Errors',
      '--value',
      '1',
    ]);
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain('An error occurred (InvalidParameterValue) when calling the PutMetricData operation');
  });

  it('answers the query protocol in XML, statistics and errors alike', async () => {
    const url = app.runtime.url;
    const put = await formPost(url, {
      Action: 'PutMetricData',
      Version: '2010-08-01',
      Namespace: 'Query',
      'MetricData.member.1.MetricName': 'Depth',
      'MetricData.member.1.Value': '4',
      'MetricData.member.1.Dimensions.member.1.Name': 'Queue',
      'MetricData.member.1.Dimensions.member.1.Value': 'orders',
    });
    expect(put.status).toBe(200);
    expect(put.body).toContain('<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">');
    const list = await formPost(url, { Action: 'ListMetrics', Version: '2010-08-01', Namespace: 'Query' });
    expect(list.body).toMatch(
      /<ListMetricsResult><Metrics><member><Namespace>Query<\/Namespace><MetricName>Depth<\/MetricName><Dimensions><member><Name>Queue<\/Name><Value>orders<\/Value><\/member><\/Dimensions><\/member><\/Metrics><\/ListMetricsResult>/,
    );
    const refused = await formPost(url, {
      Action: 'PutMetricData',
      Version: '2010-08-01',
      Namespace: 'Query',
      'MetricData.member.1.MetricName': 'Depth',
      'MetricData.member.1.Value': '4',
      'MetricData.member.1.StatisticValues.SampleCount': '1',
      'MetricData.member.1.StatisticValues.Sum': '1',
      'MetricData.member.1.StatisticValues.Minimum': '1',
      'MetricData.member.1.StatisticValues.Maximum': '1',
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<Code>InvalidParameterCombination</Code>');
    expect(refused.body).toContain(
      'The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.',
    );
  });

  it('answers RPC v2 CBOR with times as epoch seconds, and errors with their shapes and query codes', async () => {
    const url = app.runtime.url;
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const put = await cborCall(url, 'PutMetricData', { Namespace: 'Cbor', MetricData: [{ MetricName: 'Bytes', Value: 8, Timestamp: at }] });
    expect(put.status).toBe(200);
    const stats = await cborCall(url, 'GetMetricStatistics', {
      Namespace: 'Cbor',
      MetricName: 'Bytes',
      StartTime: at,
      EndTime: new Date(at.getTime() + 60_000),
      Period: 60,
      Statistics: ['Maximum'],
    });
    expect(stats.body).toEqual({ Label: 'Bytes', Datapoints: [{ Timestamp: at, Maximum: 8, Unit: 'None' }] });
    const refused = await cborCall(url, 'PutMetricData', {
      Namespace: 'Cbor',
      MetricData: [{ MetricName: 'Bytes', Value: 1, StorageResolution: 5 }],
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-amzn-query-error')).toBe('InvalidParameterValue;Sender');
    expect(refused.body).toEqual({
      __type: 'com.amazonaws.monitoring#InvalidParameterValueException',
      message: 'The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ].',
    });
  });

  it('fails if a request breaks the model, as ValidationError in the query code and ValidationException in JSON', async () => {
    const refused = await cborCall(app.runtime.url, 'ListMetrics', { RecentlyActive: 'PT1H' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-amzn-query-error')).toBe('ValidationError;Sender');
    expect(refused.body.__type).toBe('com.amazonaws.monitoring#ValidationException');
    expect(String(refused.body.message ?? refused.body.Message)).toMatch(
      /^1 validation error detected: Value 'PT1H' at 'recentlyActive' failed to satisfy constraint/,
    );
  });
});

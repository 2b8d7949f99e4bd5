import { describe, expect, it } from 'vitest';
import { type AccessLogEntry, accessLogOf, writeAccessLog } from '../../../local/apigateway/access-log.js';

const FORMAT = [
  'requestId',
  'extendedRequestId',
  'identity.sourceIp',
  'requestTimeEpoch',
  'httpMethod',
  'path',
  'protocol',
  'routeKey',
  'resourcePath',
  'status',
  'responseLength',
  'integrationStatus',
  'integrationLatency',
  'integration.status',
  'integration.latency',
  'error.message',
  'error.messageString',
  'integrationErrorMessage',
  'apiId',
  'stage',
  'unknownVariable',
]
  .map((name) => `$context.${name}`)
  .join(' ');

const entry: AccessLogEntry = {
  requestId: 'r-1',
  apiId: 'api1',
  request: { sourceIp: '127.0.0.1', method: 'POST', protocol: 'HTTP/1.1' },
  started: 1_000,
  path: '/prod/pets',
  routeKey: 'POST /pets',
  resourcePath: '/pets',
  response: { status: 502, body: { length: 35 } },
  integrationStatus: 200,
  error: 'Malformed Lambda proxy response',
};

/** The lines writeAccessLog writes, with where it writes them. */
function written(stage: Parameters<typeof writeAccessLog>[1], logged: AccessLogEntry, now: number) {
  const lines: { group: string; stream: string; timestamp: number; message: string }[] = [];
  const logs = {
    write: (group: string, stream: string, events: readonly { timestamp: number; message: string }[]) => {
      for (const event of events) lines.push({ group, stream, ...event });
    },
  };
  writeAccessLog(logs, stage, logged, now);
  return lines;
}

describe('writeAccessLog', () => {
  it("fills each $context variable the runtime knows from the answered request, in the stage's log group and stream", () => {
    const lines = written({ name: 'prod', accessLog: { logGroupName: 'web-access', format: FORMAT } }, entry, 1_250);
    expect(lines).toEqual([
      {
        group: 'web-access',
        stream: 'api1_prod',
        timestamp: 1_000,
        message:
          'r-1 r-1 127.0.0.1 1000 POST /prod/pets HTTP/1.1 POST /pets /pets 502 35 200 250 200 250 Malformed Lambda proxy response ' +
          '\\"Malformed Lambda proxy response\\" - api1 prod -',
      },
    ]);
  });

  it('gives no integration latency for a request that never reached its integration', () => {
    const { integrationStatus: _, error: __, ...unreached } = entry;
    const stage = { name: 'prod', accessLog: { logGroupName: 'g', format: '$context.integrationLatency $context.integration.latency' } };
    expect(written(stage, unreached, 1_250).map((line) => line.message)).toEqual(['- -']);
  });

  it("logs CDK's standard JSON fields whole: a REST API's resource path, `-` before a request matched one", () => {
    // AccessLogFormat.jsonWithStandardFields(), as aws-cdk-lib writes it.
    const format =
      '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","user":"$context.identity.user","caller":"$context.identity.caller",' +
      '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status",' +
      '"protocol":"$context.protocol","responseLength":"$context.responseLength"}';
    const stage = { name: 'prod', accessLog: { logGroupName: 'g', format } };
    const job = { ...entry, path: '/prod/job/42', resourcePath: '/job/{jobId}', response: { status: 200, body: { length: 2 } } };
    expect(JSON.parse(written(stage, job, 1_250)[0]?.message ?? '')).toMatchObject({ resourcePath: '/job/{jobId}', status: '200' });
    const { resourcePath: _, ...unmatched } = job;
    expect(JSON.parse(written(stage, unmatched, 1_250)[0]?.message ?? '')).toMatchObject({ resourcePath: '-' });
  });

  it('writes nothing for a stage without an access log, or without a log service', () => {
    expect(written({ name: 'prod' }, entry, 1_250)).toEqual([]);
    expect(() => writeAccessLog(undefined, { name: 'prod', accessLog: { logGroupName: 'g', format: FORMAT } }, entry, 1_250)).not.toThrow();
  });
});

describe('accessLogOf', () => {
  it("reads the log group from the setting's DestinationArn, and the format, $context.requestId when none is given", () => {
    const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:web-access';
    expect(accessLogOf({ DestinationArn: arn, Format: '$context.status' })).toEqual({
      logGroupName: 'web-access',
      format: '$context.status',
    });
    expect(accessLogOf({ DestinationArn: `${arn}:*` })).toEqual({ logGroupName: 'web-access', format: '$context.requestId' });
  });

  it('is undefined for a stage with no setting, or one whose DestinationArn names no log group', () => {
    expect(accessLogOf(undefined)).toBeUndefined();
    expect(accessLogOf({ DestinationArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/x' })).toBeUndefined();
  });
});

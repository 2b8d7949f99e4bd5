import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { eventually, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { TASK_SUCCEEDED_HISTORY } from '../states/engine/helpers.js';
import { inlineFunction, stateMachine } from '../template-resources.js';

const handlerSource = `
exports.handler = async (event) => {
  console.log('handling', event.name);
  console.warn('careful');
  return { greeting: 'hello ' + event.name };
};`;

const flow = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'name.$': '$.who' }, Next: 'Greet' },
    Greet: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'greeter', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

const app = restartableRuntime({
  assembly: () =>
    assemblyOf({
      Greeter: inlineFunction(handlerSource, { FunctionName: 'greeter' }),
      Custom: inlineFunction(handlerSource, { FunctionName: 'custom-logged', LoggingConfig: { LogGroup: { Ref: 'SharedLogs' } } }),
      JsonLogged: inlineFunction(`exports.handler = async (event) => { console.debug('noise'); ${handlerSource.split('=> {')[1]}`, {
        FunctionName: 'json-logged',
        LoggingConfig: { LogFormat: 'JSON' },
      }),
      Multiline: inlineFunction(
        "exports.handler = async () => { console.log('first\\nsecond'); console.error(new Error('boom')); process.stdout.write('raw\\r\\n'); return 'ok'; };",
        { FunctionName: 'multiline' },
      ),
      GreeterRetention: {
        Type: 'Custom::LogRetention',
        Properties: {
          ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider',
          LogGroupName: '/aws/lambda/greeter',
          RetentionInDays: 14,
        },
      },
      SharedLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/shared/functions', RetentionInDays: 7 } },
      FlowLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/vendedlogs/states/flow' } },
      RuleLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/events/audit' } },
      AuditRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['logs.test'] },
          Targets: [
            { Id: 'Whole', Arn: { 'Fn::GetAtt': ['RuleLogs', 'Arn'] } },
            {
              // CDK's LogGroupTargetInput: the log event's time and message from the event.
              Id: 'Shaped',
              Arn: { 'Fn::GetAtt': ['RuleLogs', 'Arn'] },
              InputTransformer: {
                InputPathsMap: { time: '$.time', type: '$.detail-type' },
                InputTemplate: '{"timestamp": <time>, "message": <type>}',
              },
            },
            { Id: 'Build', Arn: 'arn:aws:codebuild:us-east-1:000000000000:project/audit' },
          ],
        },
      },
      Flow: stateMachine(flow, {
        StateMachineName: 'flow',
        StateMachineType: 'EXPRESS',
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['FlowLogs', 'Arn'] } } }],
        },
      }),
    }),
  ownsAssembly: true,
  clients: (runtime) => ({ logs: new CloudWatchLogsClient(sdkConfig(runtime.url)) }),
});

describe('CloudWatch Logs in the runtime', () => {
  it('fails if a request breaks the API model, with InvalidParameterException', async () => {
    const put = app.logs.send(new PutLogEventsCommand({ logGroupName: '/shared/functions', logStreamName: 's', logEvents: [] }));
    await expect(put).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(put).rejects.toThrow(
      "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('creates the template log groups with their retention, and the retention CDK sets on a function log group', async () => {
    const groups = await app.logs.send(new DescribeLogGroupsCommand({}));
    expect(groups.logGroups?.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([
      ['/aws/events/audit', undefined],
      ['/aws/lambda/greeter', 14],
      ['/aws/vendedlogs/states/flow', undefined],
      ['/shared/functions', 7],
    ]);
  });

  it("writes a function's START, console, END and REPORT lines to /aws/lambda/<name>", async () => {
    const lambda = new LambdaClient(sdkConfig(app.runtime.url));
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: JSON.stringify({ name: 'Ada' }) }));
    await lambda.send(new InvokeCommand({ FunctionName: 'greeter', Payload: JSON.stringify({ name: 'Bob' }) }));
    lambda.destroy();
    expect(invoked.StatusCode).toBe(200);

    const streams = await app.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/greeter' }));
    // One execution environment ran both invocations: one stream, named as Lambda names it.
    expect(streams.logStreams?.map((s) => s.logStreamName)).toEqual([
      expect.stringMatching(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/),
    ]);
    const read = await app.logs.send(
      new GetLogEventsCommand({
        logGroupName: '/aws/lambda/greeter',
        logStreamName: streams.logStreams?.[0]?.logStreamName,
        startFromHead: true,
      }),
    );
    const lines = (read.events ?? []).map((e) => e.message as string);
    expect(lines).toHaveLength(10);
    const [start, handling, careful, end, report] = lines;
    const requestId = /^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST$/.exec(start ?? '')?.[1];
    expect(requestId).toBeDefined();
    expect(handling).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${requestId}\\tINFO\\thandling Ada$`));
    expect(careful).toMatch(new RegExp(`\\t${requestId}\\tWARN\\tcareful$`));
    expect(end).toBe(`END RequestId: ${requestId}`);
    expect(report).toMatch(
      new RegExp(
        `^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: [\\d.]+ ms\\t$`,
      ),
    );
    expect(lines[6]).toContain('handling Bob');
    // Only a cold start reports its init.
    expect(lines[9]).not.toContain('Init Duration');
    const times = (read.events ?? []).map((e) => e.timestamp as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('writes each console call as one event, however many lines its message has, as in the log tail', async () => {
    const lambda = new LambdaClient(sdkConfig(app.runtime.url));
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'multiline', LogType: 'Tail' }));
    lambda.destroy();
    const found = await app.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/multiline' }));
    const messages = (found.events ?? []).map((e) => e.message as string);
    expect(messages).toEqual([
      expect.stringMatching(/^START RequestId: /),
      expect.stringMatching(/\tINFO\tfirst\nsecond$/),
      expect.stringMatching(/\tERROR\tError: boom\n {4}at /),
      // A line the function writes itself, CRLF and all, is a line as it was written.
      'raw\r',
      expect.stringMatching(/^END RequestId: /),
      expect.stringMatching(/^REPORT RequestId: /),
    ]);
    expect(Buffer.from(invoked.LogResult ?? '', 'base64').toString()).toContain('\tINFO\tfirst\nsecond\n');
  });

  it("writes to the group a function's LoggingConfig names", async () => {
    const lambda = new LambdaClient(sdkConfig(app.runtime.url));
    await lambda.send(new InvokeCommand({ FunctionName: 'custom-logged', Payload: JSON.stringify({ name: 'Cy' }) }));
    lambda.destroy();
    const found = await app.logs.send(new FilterLogEventsCommand({ logGroupName: '/shared/functions', filterPattern: '"handling Cy"' }));
    expect(found.events).toHaveLength(1);
    const groups = await app.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/custom' }));
    expect(groups.logGroups).toEqual([]);
  });

  it('writes JSON records for a function whose LoggingConfig.LogFormat is JSON, without lines below INFO', async () => {
    const lambda = new LambdaClient(sdkConfig(app.runtime.url));
    await lambda.send(new InvokeCommand({ FunctionName: 'json-logged', Payload: JSON.stringify({ name: 'Di' }) }));
    lambda.destroy();
    const found = await app.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/json-logged' }));
    const records = (found.events ?? []).map((e) => JSON.parse(e.message as string) as Record<string, unknown>);
    const requestId = (records[0]?.record as { requestId?: string } | undefined)?.requestId;
    expect(records).toEqual([
      { time: expect.any(String), type: 'platform.start', record: { requestId, version: '$LATEST' } },
      { timestamp: expect.any(String), level: 'INFO', requestId, message: 'handling Di' },
      { timestamp: expect.any(String), level: 'WARN', requestId, message: 'careful' },
      {
        time: expect.any(String),
        type: 'platform.report',
        record: {
          requestId,
          metrics: {
            durationMs: expect.any(Number),
            billedDurationMs: expect.any(Number),
            memorySizeMB: 128,
            maxMemoryUsedMB: expect.any(Number),
            initDurationMs: expect.any(Number),
          },
          status: 'success',
        },
      },
    ]);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("writes the events a rule matches to its log group targets, as the whole event or as the target's {timestamp, message}", async () => {
    const events = new EventBridgeClient(sdkConfig(app.runtime.url));
    const time = new Date('2026-03-01T10:00:00Z');
    const { Entries = [] } = await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'logs.test', DetailType: 'Audited', Detail: '{"n":1}', Time: time }] }),
    );
    events.destroy();
    const id = Entries[0]?.EventId ?? '';
    const found = await eventually(async () => {
      const read = await app.logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/events/audit' }));
      return (read.events?.length ?? 0) >= 2 ? read.events : undefined;
    });
    const whole = found?.find((e) => e.message?.startsWith('{'));
    expect(JSON.parse(whole?.message ?? '{}')).toMatchObject({ id, source: 'logs.test', 'detail-type': 'Audited', detail: { n: 1 } });
    expect(found?.find((e) => e.message === 'Audited')).toMatchObject({ logStreamName: id, timestamp: time.getTime() });
    expect(whole).toMatchObject({ logStreamName: id, timestamp: time.getTime() });
    // The CodeBuild target is named at start-up: it is not run here.
    expect(app.runtime.warnings).toContainEqual(
      expect.stringMatching(/AuditRule \(AWS::Events::Rule\): target Build \(arn:aws:codebuild:.*\) is not run locally/),
    );
  });

  it("logs an Express execution's history to its machine's log group, found by execution ARN", async () => {
    const sfn = new SFNClient({ ...sdkConfig(app.runtime.url), disableHostPrefix: true });
    const machineArn = `arn:aws:states:${region}:000000000000:stateMachine:flow`;
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    expect(described.loggingConfiguration).toEqual({
      level: 'ALL',
      includeExecutionData: true,
      destinations: [
        { cloudWatchLogsLogGroup: { logGroupArn: `arn:aws:logs:${region}:000000000000:log-group:/aws/vendedlogs/states/flow:*` } },
      ],
    });
    const run = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: machineArn, input: JSON.stringify({ who: 'Ada' }) }));
    sfn.destroy();
    expect(run.status).toBe('SUCCEEDED');

    const events = await eventually(async () => {
      const found = await app.logs.send(
        new FilterLogEventsCommand({
          logGroupName: '/aws/vendedlogs/states/flow',
          filterPattern: `{ $.execution_arn = "${run.executionArn}" }`,
        }),
      );
      const last = found.events?.at(-1)?.message;
      return last?.includes('ExecutionSucceeded') ? found.events : undefined;
    });
    const records = (events ?? []).map((e) => JSON.parse(e.message as string) as Record<string, unknown>);
    expect(records.map((r) => r.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      ...TASK_SUCCEEDED_HISTORY,
      'ExecutionSucceeded',
    ]);
    expect(records[0]).toEqual({
      id: '1',
      type: 'ExecutionStarted',
      details: { input: '{"who":"Ada"}', inputDetails: { truncated: false }, roleArn: '' },
      previous_event_id: '0',
      event_timestamp: expect.stringMatching(/^\d{13}$/),
      execution_arn: run.executionArn,
      redrive_count: '0',
    });
    expect(records.at(-1)?.details).toMatchObject({ output: JSON.stringify({ greeting: 'hello Ada' }) });
    expect(events?.[0]?.logStreamName).toMatch(/^states\/flow\/\d{4}-\d\d-\d\d-\d\d-\d\d\/00000000$/);
  });
});

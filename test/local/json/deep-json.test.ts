import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  TestStateCommand,
} from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compilePattern } from '../../../local/events/pattern.js';
import { jsonDepth, MAX_JSON_DEPTH, valueDepth } from '../../../local/json/json-depth.js';
import { consumerFixture } from '../consumer-fixture.js';
import { executionEnded } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/** `{"a":{"a":...leaf...}}`: `levels` objects around the leaf. */
const nested = (levels: number, leaf = '1') => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);
const role = 'arn:aws:iam::000000000000:role/local';
const event = (detail: string) =>
  `{"id":"1","account":"000000000000","source":"deep.test","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"d","detail":${detail}}`;

const local = restartableRuntime({
  assembly: () => consumerFixture(),
  clients: ({ url }) => {
    const config = { ...sdkConfig(url), maxAttempts: 1 };
    return {
      events: new EventBridgeClient(config),
      sfn: new SFNClient({ ...config, disableHostPrefix: true }),
      sqs: new SQSClient(config),
      sns: new SNSClient(config),
    };
  },
});
let standard: string;
let express: string;

beforeAll(async () => {
  const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  standard =
    (await local.sfn.send(new CreateStateMachineCommand({ name: 'deep-standard', roleArn: role, definition }))).stateMachineArn ?? '';
  express =
    (await local.sfn.send(new CreateStateMachineCommand({ name: 'deep-express', roleArn: role, definition, type: 'EXPRESS' })))
      .stateMachineArn ?? '';
});

describe('jsonDepth', () => {
  it('counts objects and arrays, not brackets inside strings', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('{}')).toBe(1);
    expect(jsonDepth('[[1],{"a":[2]}]')).toBe(3);
    expect(jsonDepth('{"a":"[[[{\\"","b":[]}')).toBe(2);
    expect(valueDepth(JSON.parse('[[1],{"a":[2]}]'))).toBe(3);
  });
});

describe('JSON nested deeper than MAX_JSON_DEPTH', () => {
  it('is accepted at the limit as a PutEvents Detail and delivered to a rule target', async () => {
    await local.events.send(new CreateEventBusCommand({ Name: 'deep' }));
    const { QueueUrl = '' } = await local.sqs.send(new CreateQueueCommand({ QueueName: 'deep-target' }));
    await local.events.send(new PutRuleCommand({ Name: 'deep', EventBusName: 'deep', EventPattern: '{"source":["deep.test"]}' }));
    await local.events.send(
      new PutTargetsCommand({
        Rule: 'deep',
        EventBusName: 'deep',
        Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:deep-target' }],
      }),
    );
    // The event envelope adds one level around Detail.
    const detail = nested(MAX_JSON_DEPTH - 1);
    const put = await local.events.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'deep', Source: 'deep.test', DetailType: 'd', Detail: detail }] }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const { Messages = [] } = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
    expect(JSON.parse(Messages[0]?.Body ?? '{}').detail).toStrictEqual(JSON.parse(detail));
  });

  it('fails the PutEvents entry if Detail nests deeper, with MalformedDetail, never a 500', async () => {
    const put = await local.events.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'deep', Source: 'deep.test', DetailType: 'd', Detail: nested(5000) }] }),
    );
    expect(put.Entries).toStrictEqual([{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }]);
  });

  it('matches a pattern as deep as 4,096 characters allow, and refuses a longer one by its length first, as AWS does', async () => {
    // EventPattern is at most 4,096 characters (the API model), so ~680 levels is as deep as a request can nest.
    const deep = nested(600, '{"b":["x"]}');
    const matching = event(nested(600, '{"b":"x"}').slice('{"a":'.length, -1));
    const result = await local.events.send(
      new TestEventPatternCommand({ EventPattern: `{"detail":${deep.slice('{"a":'.length, -1)}}`, Event: matching }),
    );
    expect(result.Result).toBe(true);
    await expect(
      local.events.send(new TestEventPatternCommand({ EventPattern: nested(5000, '["x"]'), Event: event('{}') })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to 4096$/),
    });
  });

  it('compiles a pattern at the depth limit and fails if one nests deeper (templates have no length limit locally), with InvalidEventPatternException', () => {
    const atLimit = nested(MAX_JSON_DEPTH - 1, '["x"]');
    expect(jsonDepth(atLimit)).toBe(MAX_JSON_DEPTH);
    expect(() => compilePattern(JSON.parse(atLimit))).not.toThrow();
    for (const levels of [MAX_JSON_DEPTH + 1, 5000]) {
      expect(() => compilePattern(JSON.parse(nested(levels, '["x"]')))).toThrow(
        expect.objectContaining({
          code: 'InvalidEventPatternException',
          message: `Event pattern is not valid. Reason: Event pattern is nested more than ${MAX_JSON_DEPTH} levels deep.`,
        }),
      );
    }
  });

  it('fails TestEventPattern if the Event nests deeper, with the ValidationException AWS gives any invalid Event', async () => {
    await expect(
      local.events.send(new TestEventPatternCommand({ EventPattern: '{"source":["deep.test"]}', Event: event(nested(5000)) })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Parameter Event is not valid.',
    });
  });

  it('runs an execution whose input is at the limit, through to its history', async () => {
    const input = nested(MAX_JSON_DEPTH);
    const { executionArn } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn: standard, input }));
    const ended = await executionEnded(local.sfn, executionArn ?? '');
    expect(ended.status).toBe('SUCCEEDED');
    expect(ended.output).toBe(input);
    const history = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(history.events?.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it.each([MAX_JSON_DEPTH + 1, 5000])(
    'fails StartExecution, StartSyncExecution and TestState if the input nests %i deep, with InvalidExecutionInput',
    async (levels) => {
      const input = nested(levels);
      const expected = {
        name: 'InvalidExecutionInput',
        message: `Invalid State Machine Execution Input: 'nested more than ${MAX_JSON_DEPTH} levels deep'`,
      };
      await expect(local.sfn.send(new StartExecutionCommand({ stateMachineArn: standard, input }))).rejects.toMatchObject(expected);
      await expect(local.sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express, input }))).rejects.toMatchObject(expected);
      await expect(
        local.sfn.send(new TestStateCommand({ definition: '{"Type":"Pass","End":true}', roleArn: role, input })),
      ).rejects.toMatchObject(expected);
    },
  );

  it('fails SendTaskSuccess if the output nests deeper, with InvalidOutput, before the token is looked at', async () => {
    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken: 'unknown', output: nested(5000) }))).rejects.toMatchObject({
      name: 'InvalidOutput',
      message: `Invalid Output: 'nested more than ${MAX_JSON_DEPTH} levels deep'`,
    });
  });

  it('fails CreateStateMachine if the definition nests deeper, with InvalidDefinition', async () => {
    const definition = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"Parameters":${nested(5000)}}}}`;
    await expect(local.sfn.send(new CreateStateMachineCommand({ name: 'too-deep', roleArn: role, definition }))).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringContaining(`nested more than ${MAX_JSON_DEPTH} levels deep`),
    });
  });

  it('fails Subscribe if a MessageBody filter policy nests deeper than 150 keys, as too complex', async () => {
    const { TopicArn } = await local.sns.send(new CreateTopicCommand({ Name: 'deep' }));
    for (const levels of [152, 5000]) {
      await expect(
        local.sns.send(
          new SubscribeCommand({
            TopicArn,
            Protocol: 'sqs',
            Endpoint: 'arn:aws:sqs:us-east-1:000000000000:deep-target',
            Attributes: { FilterPolicyScope: 'MessageBody', FilterPolicy: nested(levels, '["x"]') },
          }),
        ),
      ).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex',
      });
    }
  });

  it('fails a JSON request whose body nests deeper, with SerializationException', async () => {
    const answer = await fetch(local.runtime.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' },
      body: `{"Entries":[${nested(5000)}]}`,
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      __type: 'SerializationException',
      message: `request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
    });
  });

  it.each(['RequestResponse', 'Event'])(
    'fails a %s Invoke if the payload nests deeper, with the InvalidRequestContentException Lambda answers any JSON it cannot parse',
    async (invocationType) => {
      const functions = (await (await fetch(`${local.runtime.url}/2015-03-31/functions`)).json()) as {
        Functions: { FunctionName: string }[];
      };
      const name = functions.Functions[0]?.FunctionName ?? '';
      const invoke = (payload: string) =>
        fetch(`${local.runtime.url}/2015-03-31/functions/${name}/invocations`, {
          method: 'POST',
          headers: { 'x-amz-invocation-type': invocationType },
          body: payload,
        });
      // 100,000 levels overflowed the stack of the structured clone that hands the event to the function (a 500).
      for (const levels of [MAX_JSON_DEPTH + 1, 100_000]) {
        const answer = await invoke(nested(levels));
        expect(answer.status).toBe(400);
        expect(answer.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
        expect(((await answer.json()) as { message: string }).message).toBe(
          `Could not parse request body into json: Could not parse payload into json: Document nesting depth (${MAX_JSON_DEPTH + 1}) exceeds the maximum allowed (${MAX_JSON_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`,
        );
      }
      expect((await invoke(nested(MAX_JSON_DEPTH))).status).toBe(invocationType === 'Event' ? 202 : 200);
    },
  );

  it.each([
    [
      'Converse',
      'amazon.nova-micro-v1%3A0/converse',
      `{"messages":[{"role":"user","content":[{"text":"hi"}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"t","inputSchema":{"json":${nested(100_000)}}}}]}}`,
      'SerializationException',
    ],
    [
      'InvokeModel',
      'anthropic.claude-sonnet-4-6/invoke',
      `{"anthropic_version":"bedrock-2023-05-31","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t","input_schema":${nested(100_000)}}]}`,
      'ValidationException',
    ],
  ])('fails a %s request whose tool schema nests deeper, as Bedrock fails a body it cannot parse', async (_, path, body, code) => {
    const answer = await fetch(`${local.runtime.url}/model/${path}`, { method: 'POST', body });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('x-amzn-errortype')).toBe(code);
  });

  it('fails a CreateSchedule request that nests deeper, with SerializationException', async () => {
    const body = `{"ScheduleExpression":"rate(1 day)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"arn:aws:sqs:us-east-1:000000000000:deep-target","RoleArn":"${role}","Input":"{}"},"Description":"x","Unknown":${nested(MAX_JSON_DEPTH + 1)}}`;
    const answer = await fetch(`${local.runtime.url}/schedules/deep`, { method: 'POST', body });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });
});

import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { awsCli, awsCliMissing } from '../aws-cli.js';
import { consumerFixture } from '../consumer-fixture.js';
import { credentials, disposableData, eventually, region, tempDataDir } from '../helpers.js';

const ACCOUNT = '000000000000';
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sqs: SQSClient;
let queueArn: string;
let queueUrl: string;
const logs: string[] = [];

/** A queue of the fixture app nothing consumes: the Recorder's target dead-letter queue. */
async function openQueue(r: LocalRuntime, client: SQSClient) {
  const name = r.definitions.queues.find((q) => q.name.includes('TargetDeadLetter'))?.name ?? 'missing';
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
  return { arn: `arn:aws:sqs:${region}:${ACCOUNT}:${name}`, url: QueueUrl ?? '' };
}

async function receive(client: SQSClient, url: string, waitSeconds = 1): Promise<string[]> {
  const { Messages = [] } = await client.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }),
  );
  for (const m of Messages) await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  return Messages.map((m) => m.Body ?? '');
}

const auditEntry = (n: number) => ({
  EventBusName: 'fixture-bus',
  Source: 'audit.test',
  DetailType: 'Audited',
  Detail: JSON.stringify({ n }),
});

beforeAll(async () => {
  runtime = await LocalRuntime.start({ cdkOut: await consumerFixture(), ...disposableData(), port: 0, log: (line) => logs.push(line) });
  const config = { endpoint: runtime.url, region, credentials };
  events = new EventBridgeClient(config);
  sqs = new SQSClient(config);
  ({ arn: queueArn, url: queueUrl } = await openQueue(runtime, sqs));
});
afterAll(async () => {
  await runtime?.stop();
});

describe('EventBridge control plane on the local runtime', () => {
  it('routes events to a queue through a rule and target made with PutRule and PutTargets, until the rule is disabled', async () => {
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: 'audit', EventBusName: 'fixture-bus', EventPattern: JSON.stringify({ source: ['audit.test'] }) }),
    );
    expect(RuleArn).toBe(`arn:aws:events:${region}:${ACCOUNT}:rule/fixture-bus/audit`);
    const added = await events.send(
      new PutTargetsCommand({
        Rule: 'audit',
        EventBusName: 'fixture-bus',
        Targets: [
          {
            Id: 'queue',
            Arn: queueArn,
            InputTransformer: { InputPathsMap: { n: '$.detail.n' }, InputTemplate: '{"n": <n>, "rule": "<aws.events.rule-name>"}' },
          },
        ],
      }),
    );
    expect(added.FailedEntryCount).toBe(0);
    const { RuleNames } = await events.send(new ListRuleNamesByTargetCommand({ TargetArn: queueArn, EventBusName: 'fixture-bus' }));
    expect(RuleNames).toEqual(['audit']);

    await events.send(new PutEventsCommand({ Entries: [auditEntry(1)] }));
    const bodies = await eventually(async () => {
      const got = await receive(sqs, queueUrl);
      return got.length > 0 ? got : undefined;
    });
    expect(bodies.map((b) => JSON.parse(b))).toEqual([{ n: 1, rule: 'audit' }]);

    await events.send(new DisableRuleCommand({ Name: 'audit', EventBusName: 'fixture-bus' }));
    await events.send(new PutEventsCommand({ Entries: [auditEntry(2)] }));
    await runtime.events.idle();
    expect(await receive(sqs, queueUrl, 0)).toEqual([]);
  });

  it('fails with the exception classes of the SDK for bad requests', async () => {
    await expect(events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"audit.test"}' }))).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringMatching(/^Event pattern is not valid/),
    });
    await expect(events.send(new PutRuleCommand({ Name: 'bad' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Parameter(s) EventPattern or ScheduleExpression must be specified.',
    });
    await expect(events.send(new DeleteRuleCommand({ Name: 'audit', EventBusName: 'fixture-bus' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Rule can't be deleted since it has targets.",
    });
    const six = Array.from({ length: 6 }, (_, i) => ({ Id: `t${i}`, Arn: queueArn }));
    await expect(events.send(new PutTargetsCommand({ Rule: 'audit', EventBusName: 'fixture-bus', Targets: six }))).rejects.toMatchObject({
      name: 'LimitExceededException',
    });
    await expect(events.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 'a', Arn: queueArn }] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Rule nope does not exist on EventBus default.',
    });
  });

  it('removes targets and deletes the rule', async () => {
    const removed = await events.send(new RemoveTargetsCommand({ Rule: 'audit', EventBusName: 'fixture-bus', Ids: ['queue'] }));
    expect(removed.FailedEntryCount).toBe(0);
    await events.send(new DeleteRuleCommand({ Name: 'audit', EventBusName: 'fixture-bus' }));
    await expect(events.send(new DescribeRuleCommand({ Name: 'audit', EventBusName: 'fixture-bus' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it.skipIf(awsCliMissing)(
    'works with the AWS CLI: put-rule, put-targets, put-events, disable-rule, remove-targets, delete-rule',
    async () => {
      const cli = (args: string[]) => awsCli(runtime.url, ['events', ...args]);
      const rule = ['--name', 'cli-audit', '--event-bus-name', 'fixture-bus'];
      const put = (await cli(['put-rule', ...rule, '--event-pattern', '{"source":["audit.test"]}'])) as { RuleArn: string };
      expect(put.RuleArn).toBe(`arn:aws:events:${region}:${ACCOUNT}:rule/fixture-bus/cli-audit`);
      const targets = (await cli([
        'put-targets',
        '--rule',
        'cli-audit',
        '--event-bus-name',
        'fixture-bus',
        '--targets',
        `Id=queue,Arn=${queueArn},InputPath=$.detail`,
      ])) as { FailedEntryCount: number };
      expect(targets.FailedEntryCount).toBe(0);
      await cli(['put-events', '--entries', JSON.stringify([auditEntry(3)])]);
      const bodies = await eventually(async () => {
        const got = await receive(sqs, queueUrl);
        return got.length > 0 ? got : undefined;
      });
      expect(bodies).toEqual(['{"n":3}']);

      await cli(['disable-rule', ...rule]);
      await cli(['put-events', '--entries', JSON.stringify([auditEntry(4)])]);
      await runtime.events.idle();
      expect(await receive(sqs, queueUrl, 0)).toEqual([]);

      await expect(cli(['delete-rule', ...rule])).rejects.toMatchObject({
        stderr: expect.stringContaining("Rule can't be deleted since it has targets."),
      });
      await expect(cli(['put-rule', '--name', 'bad rule', '--event-pattern', '{"source":["a"]}'])).rejects.toMatchObject({
        stderr: expect.stringContaining('ValidationException'),
      });
      const removed = (await cli(['remove-targets', '--rule', 'cli-audit', '--event-bus-name', 'fixture-bus', '--ids', 'queue'])) as {
        FailedEntryCount: number;
      };
      expect(removed.FailedEntryCount).toBe(0);
      await cli(['delete-rule', ...rule]);
      const listed = (await cli(['list-rules', '--event-bus-name', 'fixture-bus'])) as { Rules: { Name: string }[] };
      expect(listed.Rules.map((r) => r.Name)).not.toContain('cli-audit');
    },
  );
});

describe('EventBridge control plane across a restart', () => {
  it('keeps buses, rules and targets made through the API, and restores template rules to the template', async () => {
    const dataDir = tempDataDir();
    const first = await LocalRuntime.start({ cdkOut: await consumerFixture(), dataDir, port: 0, log: () => {} });
    try {
      const config = { endpoint: first.url, region, credentials };
      const client = new EventBridgeClient(config);
      const queue = await openQueue(first, new SQSClient(config));
      await client.send(new CreateEventBusCommand({ Name: 'orders' }));
      await client.send(new PutRuleCommand({ Name: 'kept', EventBusName: 'orders', EventPattern: '{"source":["audit.test"]}' }));
      await client.send(new PutTargetsCommand({ Rule: 'kept', EventBusName: 'orders', Targets: [{ Id: 'queue', Arn: queue.arn }] }));
      const templateRule = first.definitions.rules[0]?.name ?? 'missing';
      await client.send(new DisableRuleCommand({ Name: templateRule, EventBusName: 'fixture-bus' }));
    } finally {
      await first.stop();
    }

    const second = await LocalRuntime.start({ cdkOut: await consumerFixture(), dataDir, port: 0, log: () => {} });
    try {
      const config = { endpoint: second.url, region, credentials };
      const client = new EventBridgeClient(config);
      const sqsClient = new SQSClient(config);
      const queue = await openQueue(second, sqsClient);
      const { Targets = [] } = await client.send(new ListTargetsByRuleCommand({ Rule: 'kept', EventBusName: 'orders' }));
      expect(Targets.map((t) => t.Arn)).toEqual([queue.arn]);
      await client.send(new PutEventsCommand({ Entries: [{ ...auditEntry(5), EventBusName: 'orders' }] }));
      const bodies = await eventually(async () => {
        const got = await receive(sqsClient, queue.url);
        return got.length > 0 ? got : undefined;
      });
      expect(JSON.parse(bodies[0] ?? '{}')).toMatchObject({ source: 'audit.test', detail: { n: 5 } });
      const templateRule = second.definitions.rules[0]?.name ?? 'missing';
      const described = await client.send(new DescribeRuleCommand({ Name: templateRule, EventBusName: 'fixture-bus' }));
      expect(described.State).toBe('ENABLED');
    } finally {
      await second.stop();
    }
  });
});

import type { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuleDefinition, TargetDefinition, TargetDelivery } from '../../../local/events/definitions.js';
import { EventsService } from '../../../local/events/events-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';

const ACCOUNT = '000000000000';
const HUB = { name: 'hub', arn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/hub` };
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:q`;
const services: EventsService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.stop()));
});

class RecordingDelivery implements TargetDelivery {
  readonly delivered: { target: TargetDefinition; input: string }[] = [];
  async deliver(target: TargetDefinition, input: string) {
    this.delivered.push({ target, input });
  }
  async deadLetter() {}
}

const templateRule: RuleDefinition = {
  name: 'from-template',
  arn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/hub/from-template`,
  busName: 'hub',
  eventPattern: { source: ['app'] },
  state: 'ENABLED',
  targets: [{ id: 't', arn: QUEUE }],
};

function service(db: DatabaseSync = openDatabase(':memory:'), logs: string[] = []) {
  const delivery = new RecordingDelivery();
  const clock = new ManualClock();
  const events = new EventsService({
    db,
    clock,
    accountId: ACCOUNT,
    region: 'us-east-1',
    buses: [HUB],
    rules: [templateRule],
    archives: [],
    delivery,
    log: (line) => logs.push(line),
  });
  events.start();
  services.push(events);
  return { api: events.operations, events, delivery, db, logs, clock };
}

const put = (api: EventsService['operations'], source = 'app', bus = 'default') =>
  api.PutEvents({ Entries: [{ EventBusName: bus, Source: source, DetailType: 'Thing', Detail: '{"n":1}' }] });

describe('EventBridge control plane', () => {
  it('creates a rule with PutRule and delivers matching events to the targets PutTargets added', async () => {
    const { api, events, delivery } = service();
    const { RuleArn } = await api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}' });
    expect(RuleArn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/r1`);
    const added = await api.PutTargets({ Rule: 'r1', Targets: [{ Id: 'q', Arn: QUEUE, InputPath: '$.detail' }] });
    expect(added).toEqual({ FailedEntryCount: 0, FailedEntries: [] });
    await put(api);
    await put(api, 'other');
    await events.idle();
    expect(delivery.delivered.map((d) => d.input)).toEqual(['{"n":1}']);
  });

  it('stops delivering while a rule is disabled and starts again once it is enabled', async () => {
    const { api, events, delivery } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}' });
    await api.PutTargets({ Rule: 'r1', Targets: [{ Id: 'q', Arn: QUEUE }] });
    await api.DisableRule({ Name: 'r1' });
    expect((await api.DescribeRule({ Name: 'r1' })).State).toBe('DISABLED');
    await put(api);
    await events.idle();
    expect(delivery.delivered).toHaveLength(0);
    await api.EnableRule({ Name: 'r1' });
    await put(api);
    await events.idle();
    expect(delivery.delivered).toHaveLength(1);
  });

  it('replaces a rule on a second PutRule, keeping its targets, and resets what the call leaves out', async () => {
    const { api } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["a"]}', Description: 'first', State: 'DISABLED', EventBusName: HUB.arn });
    await api.PutTargets({ Rule: 'r1', EventBusName: 'hub', Targets: [{ Id: 'q', Arn: QUEUE }] });
    const { RuleArn } = await api.PutRule({ Name: 'r1', EventPattern: '{"source":["b"]}', EventBusName: 'hub' });
    expect(RuleArn).toBe(`arn:aws:events:us-east-1:${ACCOUNT}:rule/hub/r1`);
    const described = await api.DescribeRule({ Name: 'r1', EventBusName: 'hub' });
    expect(described).toMatchObject({ EventPattern: '{"source":["b"]}', State: 'ENABLED', EventBusName: 'hub' });
    expect(described.Description).toBeUndefined();
    expect((await api.ListTargetsByRule({ Rule: 'r1', EventBusName: 'hub' })).Targets.map((t) => t.Id)).toEqual(['q']);
  });

  it('matches no event with a schedule-only rule, and fires it on its schedule', async () => {
    const { api, events, delivery, clock } = service();
    await api.PutRule({ Name: 'nightly', ScheduleExpression: 'rate(5 minutes)' });
    await api.PutTargets({ Rule: 'nightly', Targets: [{ Id: 'q', Arn: QUEUE }] });
    expect((await api.DescribeRule({ Name: 'nightly' })).ScheduleExpression).toBe('rate(5 minutes)');
    events.runScheduledRules();
    await events.idle();
    const atCreation = delivery.delivered.length;
    await put(api);
    await events.idle();
    expect(delivery.delivered).toHaveLength(atCreation);
    clock.advance(5 * 60_000);
    events.runScheduledRules();
    await events.idle();
    expect(delivery.delivered).toHaveLength(atCreation + 1);
    expect(JSON.parse(delivery.delivered.at(-1)?.input ?? '{}')).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      resources: [`arn:aws:events:us-east-1:${ACCOUNT}:rule/nightly`],
    });
  });

  it('keeps rules, targets and buses created through the API across a restart, and restores template rules', async () => {
    const db = openDatabase(':memory:');
    const first = service(db);
    await first.api.CreateEventBus({ Name: 'orders' });
    await first.api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}', EventBusName: 'orders' });
    await first.api.PutTargets({ Rule: 'r1', EventBusName: 'orders', Targets: [{ Id: 'q', Arn: QUEUE }] });
    await first.api.DisableRule({ Name: 'from-template', EventBusName: 'hub' });
    first.events.stop();

    const second = service(db);
    expect((await second.api.ListEventBuses({})).EventBuses.map((b) => b.Name)).toEqual(['default', 'hub', 'orders']);
    await put(second.api, 'app', 'orders');
    await second.events.idle();
    expect(second.delivery.delivered.map((d) => d.target.id)).toEqual(['q']);
    // The template's version of its own rule wins at start, as a redeploy would.
    expect((await second.api.DescribeRule({ Name: 'from-template', EventBusName: 'hub' })).State).toBe('ENABLED');
  });

  it('lists rules, rule names by target, targets and buses page by page', async () => {
    const { api } = service();
    for (const name of ['c', 'a', 'b']) {
      await api.PutRule({ Name: name, EventPattern: '{"source":["app"]}' });
      await api.PutTargets({ Rule: name, Targets: [{ Id: 'q', Arn: QUEUE }] });
    }
    const first = await api.ListRules({ Limit: 2 });
    expect(first.Rules.map((r) => r.Name)).toEqual(['a', 'b']);
    const second = await api.ListRules({ Limit: 2, NextToken: first.NextToken });
    expect(second.Rules.map((r) => r.Name)).toEqual(['c']);
    expect(second.NextToken).toBeUndefined();
    const byTarget = await api.ListRuleNamesByTarget({ TargetArn: QUEUE, Limit: 1 });
    expect(byTarget.RuleNames).toEqual(['a']);
    expect((await api.ListRuleNamesByTarget({ TargetArn: QUEUE, NextToken: byTarget.NextToken })).RuleNames).toEqual(['b', 'c']);
    const buses = await api.ListEventBuses({ Limit: 1 });
    expect(buses.EventBuses.map((b) => b.Name)).toEqual(['default']);
    expect((await api.ListEventBuses({ NextToken: buses.NextToken })).EventBuses.map((b) => b.Name)).toEqual(['hub']);
  });

  it('deletes a rule only once its targets are removed, and a bus with its rules', async () => {
    const { api } = service();
    await api.CreateEventBus({ Name: 'orders' });
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}', EventBusName: 'orders' });
    await api.PutTargets({ Rule: 'r1', EventBusName: 'orders', Targets: [{ Id: 'q', Arn: QUEUE }] });
    await expect(api.DeleteRule({ Name: 'r1', EventBusName: 'orders' })).rejects.toMatchObject({
      code: 'ValidationException',
      message: "Rule can't be deleted since it has targets.",
    });
    const removed = await api.RemoveTargets({ Rule: 'r1', EventBusName: 'orders', Ids: ['q', 'missing'] });
    expect(removed).toEqual({
      FailedEntryCount: 1,
      FailedEntries: [
        {
          TargetId: 'missing',
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: "Rule 'r1' does not have a target with the Id 'missing'.",
        },
      ],
    });
    await api.DeleteRule({ Name: 'r1', EventBusName: 'orders' });
    await expect(api.DescribeRule({ Name: 'r1', EventBusName: 'orders' })).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
    await api.PutRule({ Name: 'r2', EventPattern: '{"source":["app"]}', EventBusName: 'orders' });
    await api.DeleteEventBus({ Name: 'orders' });
    await expect(api.ListRules({ EventBusName: 'orders' })).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
    await api.CreateEventBus({ Name: 'orders' });
    expect((await api.ListRules({ EventBusName: 'orders' })).Rules).toEqual([]);
  });

  it('accepts a target of a service that is not run locally, as AWS does, and says so in the log', async () => {
    const { api, logs } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}' });
    const stream = `arn:aws:codebuild:us-east-1:${ACCOUNT}:project/s`;
    const role = `arn:aws:iam::${ACCOUNT}:role/events`;
    await api.PutTargets({ Rule: 'r1', Targets: [{ Id: 'k', Arn: stream, RoleArn: role }] });
    expect((await api.ListTargetsByRule({ Rule: 'r1' })).Targets).toEqual([{ Id: 'k', Arn: stream, RoleArn: role }]);
    expect(logs.filter((line) => line.includes('codebuild targets are not run locally'))).toHaveLength(1);
  });

  it("keeps a Kinesis stream target's KinesisParameters and answers them", async () => {
    const { api, logs } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}' });
    const stream = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/s`;
    const target = { Id: 'k', Arn: stream, KinesisParameters: { PartitionKeyPath: '$.detail-type' } };
    await api.PutTargets({ Rule: 'r1', Targets: [target] });
    expect((await api.ListTargetsByRule({ Rule: 'r1' })).Targets).toEqual([target]);
    expect(logs.filter((line) => line.includes('not run locally'))).toEqual([]);
  });

  it('takes an API destination target without a word of not running it: rules call one through its connection', async () => {
    const { api, logs } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}' });
    const destination = `arn:aws:events:us-east-1:${ACCOUNT}:api-destination/hook/00000000-0000-0000-0000-000000000000`;
    await api.PutTargets({ Rule: 'r1', Targets: [{ Id: 'h', Arn: destination, RoleArn: `arn:aws:iam::${ACCOUNT}:role/events` }] });
    expect(logs.filter((line) => line.includes('not run locally'))).toEqual([]);
  });

  it('fails if a target is added beyond the fifth of a rule', async () => {
    const { api } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["app"]}' });
    const targets = (ids: string[]) => ids.map((Id) => ({ Id, Arn: QUEUE }));
    await api.PutTargets({ Rule: 'r1', Targets: targets(['1', '2', '3', '4']) });
    // Replacing a target by its id does not count against the limit.
    await api.PutTargets({ Rule: 'r1', Targets: targets(['4', '5']) });
    await expect(api.PutTargets({ Rule: 'r1', Targets: targets(['6']) })).rejects.toMatchObject({
      code: 'LimitExceededException',
      message: 'The requested resource exceeds the maximum number allowed.',
    });
    expect((await api.ListTargetsByRule({ Rule: 'r1' })).Targets).toHaveLength(5);
  });

  it.each([
    ['neither a pattern nor a schedule', { Name: 'r' }, 'ValidationException', /EventPattern or ScheduleExpression must be specified/],
    ['an invalid pattern', { Name: 'r', EventPattern: '{"source":"app"}' }, 'InvalidEventPatternException', /Event pattern is not valid/],
    ['a pattern that is not JSON', { Name: 'r', EventPattern: '{source' }, 'InvalidEventPatternException', /Event pattern is not valid/],
    [
      'a schedule that is not one',
      { Name: 'r', ScheduleExpression: 'every day' },
      'ValidationException',
      /ScheduleExpression is not valid/,
    ],
    [
      'a schedule on a custom bus',
      { Name: 'r', ScheduleExpression: 'rate(5 minutes)', EventBusName: 'hub' },
      'ValidationException',
      /only on the default event bus/,
    ],
    [
      'a bus that does not exist',
      { Name: 'r', EventPattern: '{}', EventBusName: 'nope' },
      'ResourceNotFoundException',
      /Event bus nope does not exist/,
    ],
  ])('fails PutRule with %s', async (_what, input, code, message) => {
    const { api } = service();
    await expect(api.PutRule(input)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  // What the model refuses (names, lengths, ranges, enums) is the endpoint's answer: model-checks.test.ts.
  it('fails PutTargets as a whole with Input and InputPath together', async () => {
    const { api } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["a"]}' });
    // The valid target ahead of the bad one is not added either.
    const targets = [
      { Id: 'good', Arn: QUEUE },
      { Id: 'a', Arn: QUEUE, Input: '{}', InputPath: '$' },
    ];
    await expect(api.PutTargets({ Rule: 'r1', Targets: targets })).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringMatching(/Only one of Input, InputPath, or InputTransformer/),
    });
    expect((await api.ListTargetsByRule({ Rule: 'r1' })).Targets).toEqual([]);
  });

  it('answers targets refused one by one in FailedEntries, and adds the others', async () => {
    const { api } = service();
    await api.PutRule({ Name: 'r1', EventPattern: '{"source":["a"]}' });
    const result = await api.PutTargets({
      Rule: 'r1',
      Targets: [
        { Id: 'good', Arn: QUEUE },
        { Id: 'notarn', Arn: 'my-queue' },
        { Id: 'fifo', Arn: `${QUEUE}.fifo` },
        { Id: 'dlq', Arn: QUEUE, DeadLetterConfig: { Arn: `arn:aws:sns:us-east-1:${ACCOUNT}:topic` } },
      ],
    });
    expect(result.FailedEntryCount).toBe(3);
    expect(result.FailedEntries.map((e) => [e.ErrorCode, e.ErrorMessage])).toEqual([
      ['ValidationException', 'Parameter my-queue is not valid. Reason: Provided Arn is not in correct format.'],
      ['ValidationException', 'Parameter(s) SqsParameters must be specified for target: fifo.'],
      ['ValidationException', expect.stringMatching(/DeadLetterConfig.Arn of target dlq/)],
    ]);
    expect((await api.ListTargetsByRule({ Rule: 'r1' })).Targets.map((t) => t.Id)).toEqual(['good']);
  });

  it('fails PutTargets for a rule that does not exist', async () => {
    const { api } = service();
    await expect(api.PutTargets({ Rule: 'nope', Targets: [{ Id: 'a', Arn: QUEUE }] })).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      message: 'Rule nope does not exist on EventBus default.',
    });
  });

  it('fails if the default bus is deleted, or a bus is created twice', async () => {
    const { api } = service();
    await expect(api.DeleteEventBus({ Name: 'default' })).rejects.toMatchObject({
      code: 'ValidationException',
      message: 'Cannot delete event bus default.',
    });
    await expect(api.CreateEventBus({ Name: 'hub' })).rejects.toMatchObject({ code: 'ResourceAlreadyExistsException' });
  });

  it('fails if a List call has a NextToken it did not hand out', async () => {
    const { api } = service();
    await expect(api.ListEventBuses({ NextToken: 'garbage' })).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringMatching(/NextToken/),
    });
  });
});

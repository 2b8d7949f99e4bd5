import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf, ScheduleFired } from '../../../domain/index.js';
import { ScheduledTrigger, ScheduleEngine } from '../../../lib/constructs/scheduled-trigger.js';
import { ManualClock } from '../../../local/time/clock.js';
import { awsCli, awsCliMissing } from '../aws-cli.js';
import { synthStack } from '../cdk-stack.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

/** An app made of the real construct: an hourly trigger and a scheduled rule, each -> the hub -> a rule -> a queue. */
function synthTriggerApp(): string {
  return synthStack('Triggers', (stack) => {
    const hub = new events.EventBus(stack, 'Hub', { eventBusName: 'hub' });
    const tick = new ScheduledTrigger(stack, 'HourlyTick', {
      eventBus: hub,
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      payload: { purpose: 'test' },
    });
    const ruleTick = new ScheduledTrigger(stack, 'RuleTick', {
      eventBus: hub,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(5)),
      engine: ScheduleEngine.RULE,
    });
    const ticks = new sqs.Queue(stack, 'Ticks', { queueName: 'ticks' });
    const ruleTicks = new sqs.Queue(stack, 'RuleTicks', { queueName: 'rule-ticks' });
    new events.Rule(stack, 'TickRule', { eventBus: hub, eventPattern: tick.eventPattern, targets: [new targets.SqsQueue(ticks)] });
    new events.Rule(stack, 'RuleTickRule', {
      eventBus: hub,
      eventPattern: ruleTick.eventPattern,
      targets: [new targets.SqsQueue(ruleTicks)],
    });
  });
}

describe('Scheduler in the local runtime', () => {
  const clock = new ManualClock(T0);
  const app = restartableRuntime({
    assembly: synthTriggerApp,
    ownsAssembly: true,
    options: { clock },
    clients: (runtime) => ({ client: new SQSClient(sdkConfig(runtime.url)) }),
  });

  /** Fires what is due, waits for the bus to deliver, and takes every message from the queue. */
  const drain = async (queue: string) => {
    await app.runtime.scheduler.runDue();
    app.runtime.events.runScheduledRules();
    await app.runtime.events.idle();
    const queueUrl = `${app.runtime.url}/000000000000/${queue}`;
    const out = await app.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    for (const m of out.Messages ?? [])
      await app.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    return (out.Messages ?? []).map(
      (m) =>
        JSON.parse(m.Body ?? '{}') as {
          source: string;
          'detail-type': string;
          time: string;
          id: string;
          resources: string[];
          detail: Record<string, unknown>;
        },
    );
  };

  it('loads the schedule without a warning and reports its next firing', async () => {
    expect(app.runtime.warnings.filter((w) => /Scheduler|Schedule/.test(w))).toEqual([]);
    // A rate schedule without a start date fires when it is created (T0), then every hour.
    await app.runtime.scheduler.runDue();
    const [outlook] = app.runtime.scheduler.outlook();
    expect(outlook).toMatchObject({ expression: 'rate(1 hour)', state: 'ENABLED', timeZone: 'Etc/UTC', next: T0 + 3_600_000 });
    expect(app.runtime.events.scheduledRules()).toEqual([expect.objectContaining({ expression: 'rate(5 minutes)' })]);
  });

  it('puts a ScheduleFired contract event on the hub on time, which a rule routes to a queue', async () => {
    const [first, ...rest] = await drain('ticks');
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      source: 'switchyard.scheduler',
      'detail-type': 'ScheduleFired',
      detail: { schedule: 'HourlyTick', scheduledTime: '2026-01-01T10:00:00Z', payload: { purpose: 'test' } },
    });
    expect(ScheduleFired.validate(first?.detail).ok).toBe(true);
    // Downstream dedupes on the firing, not on the event id.
    expect(idempotencyKeyOf(ScheduleFired, first as never)).toBe(
      'ScheduleFired#schedule="HourlyTick"&scheduledTime="2026-01-01T10:00:00Z"',
    );

    clock.advance(30 * 60_000);
    expect(await drain('ticks')).toEqual([]);
    clock.advance(30 * 60_000);
    expect((await drain('ticks')).map((e) => e.detail.scheduledTime)).toEqual(['2026-01-01T11:00:00Z']);
  });

  it('fires a scheduled rule as a Scheduled Event that the hub receives', async () => {
    await drain('rule-ticks');
    clock.advance(5 * 60_000);
    const [event, ...rest] = await drain('rule-ticks');
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2026-01-01T11:05:00Z', detail: {} });
    expect(event?.resources[0]).toMatch(/^arn:aws:events:us-east-1:000000000000:rule\//);
    await drain('ticks');
  });

  it('neither misses nor repeats a firing across a restart', async () => {
    await app.restart(() => clock.advance(20 * 60_000)); // 11:25, between firings
    expect(await drain('ticks')).toEqual([]);
    clock.advance(35 * 60_000); // 12:00
    expect((await drain('ticks')).map((e) => e.detail.scheduledTime)).toEqual(['2026-01-01T12:00:00Z']);
    await drain('rule-ticks');
  }, 60_000);

  it.skipIf(awsCliMissing)(
    'serves the Scheduler API to the AWS CLI',
    async () => {
      const schedules = (await awsCli(app.runtime.url, ['scheduler', 'list-schedules'])) as {
        Schedules: { Name: string; State: string }[];
      };
      expect(schedules.Schedules).toEqual([expect.objectContaining({ State: 'ENABLED', Target: expect.anything() })]);
      const name = schedules.Schedules[0]?.Name ?? '';
      const got = (await awsCli(app.runtime.url, ['scheduler', 'get-schedule', '--name', name])) as Record<string, unknown>;
      expect(got).toMatchObject({ ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' } });

      const target = JSON.stringify({
        Arn: 'arn:aws:sqs:us-east-1:000000000000:ticks',
        RoleArn: 'arn:aws:iam::000000000000:role/r',
        Input: '{"at":"<aws.scheduler.scheduled-time>"}',
      });
      await awsCli(app.runtime.url, [
        'scheduler',
        'create-schedule',
        '--name',
        'cli-once',
        '--schedule-expression',
        'at(2026-01-01T12:10:00)',
        '--flexible-time-window',
        'Mode=OFF',
        '--target',
        target,
      ]);
      clock.advance(10 * 60_000);
      expect(await drain('ticks')).toEqual([{ at: '2026-01-01T12:10:00Z' }]);
      // The one-time schedule has nothing left; the hourly one goes on.
      clock.advance(50 * 60_000);
      expect((await drain('ticks')).map((e) => e.detail.scheduledTime)).toEqual(['2026-01-01T13:00:00Z']);
      await awsCli(app.runtime.url, ['scheduler', 'delete-schedule', '--name', 'cli-once']);
      await expect(awsCli(app.runtime.url, ['scheduler', 'get-schedule', '--name', 'cli-once'])).rejects.toThrow(
        /ResourceNotFoundException/,
      );
      await expect(
        awsCli(app.runtime.url, [
          'scheduler',
          'create-schedule',
          '--name',
          'bad',
          '--schedule-expression',
          'cron(0 9 * * * *)',
          '--flexible-time-window',
          'Mode=OFF',
          '--target',
          target,
        ]),
      ).rejects.toThrow(/ValidationException.*Invalid Schedule Expression cron\(0 9 \* \* \* \*\)/);
    },
    60_000,
  );
  it('fails if a request breaks the model or names what does not exist, with the error Scheduler answers', async () => {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${app.runtime.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return {
        status: response.status,
        type: response.headers.get('x-amzn-errortype'),
        body: (await response.json()) as Record<string, unknown>,
      };
    };
    const target = { Arn: 'arn:aws:sqs:us-east-1:000000000000:ticks', RoleArn: 'arn:aws:iam::000000000000:role/r' };
    const valid = { ScheduleExpression: 'rate(1 day)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target };
    expect(await call('POST', `/schedules/${'n'.repeat(65)}`, valid)).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(
      (await call('POST', '/schedules/n1', { ...valid, FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } })).body
        .Message,
    ).toMatch(/maximumWindowInMinutes.*less than or equal to 1440/);
    // What the model declares (required members, enums, ranges) is the codec's check, answered in AWS's words.
    const violation = async (method: string, path: string, body?: unknown) =>
      ((await call(method, path, body)).body as { Message: string }).Message;
    const { Target: _target, ...withoutTarget } = valid;
    expect(await violation('POST', '/schedules/n1', withoutTarget)).toBe(
      "1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must not be null",
    );
    expect(await violation('POST', '/schedules/n1', { ...valid, Target: { Arn: target.Arn } })).toBe(
      "1 validation error detected: Value null at 'target.roleArn' failed to satisfy constraint: Member must not be null",
    );
    expect(await violation('POST', '/schedules/n1', { ...valid, FlexibleTimeWindow: { Mode: 'SOMETIMES' } })).toBe(
      "1 validation error detected: Value 'SOMETIMES' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]",
    );
    expect(await violation('POST', '/schedules/n1', { ...valid, State: 'PAUSED' })).toBe(
      "1 validation error detected: Value 'PAUSED' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
    );
    expect(await violation('GET', '/schedules?State=PAUSED')).toBe(
      "1 validation error detected: Value 'PAUSED' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
    );
    expect(await violation('GET', '/schedules?MaxResults=101')).toBe(
      "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect((await call('POST', '/schedules/n1', { ...valid, ScheduleExpressionTimezone: 'Mars/Olympus' })).body).toEqual({
      Message: 'Invalid Schedule Expression Timezone Mars/Olympus.',
    });
    expect(await call('POST', '/schedules/n1', valid)).toMatchObject({ status: 200 });
    expect(await call('POST', '/schedules/n1', valid)).toMatchObject({ status: 409, type: 'ConflictException' });
    expect(await call('GET', '/schedules/nope')).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
    expect(await call('POST', '/schedules/n2', { ...valid, GroupName: 'nope' })).toMatchObject({
      status: 404,
      type: 'ResourceNotFoundException',
    });
    expect(await call('DELETE', '/schedules/n1')).toMatchObject({ status: 200 });
  });
});

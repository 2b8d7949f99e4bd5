/**
 * Replays of LocalStack's tests/aws/services/events/test_events_schedule.py that wait for a
 * scheduled rule to fire on a queue. Where a test sleeps out a minute, the runtime's clock is
 * moved on instead (`wait`), so that nothing waits in real time.
 */
import { ListTargetsByRuleCommand, PutEventsCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import type { CaseContext, ReplayedCase } from './context.js';
import { collectMessages } from './delivery.js';
import { answerOf } from './snapshot.js';

const MINUTE = 60_000;

/** A rule on the default bus with `schedule`, whose one target is a new queue (with `input`, if given). */
async function scheduledToQueue(c: CaseContext, schedule: string, options: { queueName?: string; input?: string } = {}) {
  const queue = await c.sqsTarget(options.queueName);
  const rule = `test-rule-${c.uid()}`;
  await c.putRule({ Name: rule, EventBusName: 'default', ScheduleExpression: schedule });
  const targetId = `target-${c.uid()}`;
  const target = { Id: targetId, Arn: queue.arn, ...(options.input === undefined ? {} : { Input: options.input }) };
  await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: 'default', Targets: [target] }));
  return { queue, rule, targetId };
}

/** The `time` of a Scheduled Event message, in epoch milliseconds. */
const timeOf = (body: string | undefined) => Date.parse((JSON.parse(body ?? '{}') as { time: string }).time);

/** get_cron_expression(delta): the minute `delta` + 1 minutes from now, whole, as a cron expression and its time. */
function cronExpression(now: number, delta: number): [string, number] {
  const at = new Date(Math.floor((now + (delta + 1) * MINUTE) / MINUTE) * MINUTE);
  return [`cron(${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} ? *)`, at.getTime()];
}

export const scheduleFiringCases: Record<string, ReplayedCase> = {
  'TestScheduleRate::tests_schedule_rate_custom_input_target_sqs': async (c) => {
    const { queue, rule, targetId } = await scheduledToQueue(c, 'rate(1 minute)', {
      input: JSON.stringify({ 'custom-value': 'somecustominput' }),
    });
    c.snap.match('list-targets', answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule }))));
    await c.wait(MINUTE);
    const messages = await collectMessages(c, queue, 1);
    c.snap.keyValue('MD5OfBody', 'm-d5-of-body');
    c.snap.keyValue('ReceiptHandle', 'receipt-handle');
    c.snap.regex(targetId, '<target-id>');
    c.snap.regex(queue.arn, '<queue-arn>');
    c.snap.match('messages', messages);
  },
  'TestScheduleRate::tests_schedule_rate_target_sqs': async (c) => {
    const queueName = `test-queue-${c.uid()}`;
    const { queue, rule, targetId } = await scheduledToQueue(c, 'rate(1 minute)', { queueName });
    c.snap.match('list-targets', answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule }))));
    await c.wait(MINUTE);
    const first = await collectMessages(c, queue, 1);
    c.snap.keyValue('MD5OfBody', 'm-d5-of-body');
    c.snap.keyValue('ReceiptHandle', 'receipt-handle');
    c.snap.regex(targetId, '<target-id>');
    c.snap.regex(rule, '<rule-name>');
    // The test's own transformer, its missing `>` as recorded.
    c.snap.regex(queueName, '<queue-name');
    c.snap.match('messages-first', first);
    await c.wait(MINUTE);
    const second = await collectMessages(c, queue, 1);
    c.snap.match('messages-second', second);
    // The two firings a minute apart, within the test's five seconds.
    expect(Math.abs(timeOf(second[0]?.Body) - timeOf(first[0]?.Body) - MINUTE)).toBeLessThanOrEqual(5_000);
  },
  'TestScheduleCron::test_schedule_cron_target_sqs': async (c) => {
    const [cron, due] = cronExpression(c.now(), 1);
    const { queue, rule } = await scheduledToQueue(c, cron);
    await c.wait(2 * MINUTE);
    const messages = await collectMessages(c, queue, 1);
    c.snap.keyValue('MD5OfBody', 'm-d5-of-body');
    c.snap.keyValue('ReceiptHandle', 'receipt-handle');
    c.snap.regex(rule, '<rule-name>');
    c.snap.match('message', messages);
    // Delivered for the minute the expression names (the test rounds a later second up to the next minute).
    expect(Math.ceil(timeOf(messages[0]?.Body) / MINUTE) * MINUTE).toBe(due);
  },
  // No snapshot: the test asserts that PutEvents does not set off a scheduled rule.
  'TestScheduleCron::tests_scheduled_rule_does_not_trigger_on_put_events': async (c) => {
    const { queue } = await scheduledToQueue(c, 'rate(10 minutes)', { input: JSON.stringify({ 'custom-value': 'somecustominput' }) });
    const entry = {
      Source: 'core.update-account-command',
      DetailType: 'core.update-account-command',
      Detail: '{"command": ["update-account"]}',
    };
    for (let i = 0; i < 3; i++) await c.events.send(new PutEventsCommand({ Entries: [entry] }));
    const received = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 1 }));
    expect((received.Messages ?? []).length).toBeLessThan(2);
  },
};

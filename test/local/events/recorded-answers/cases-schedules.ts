/**
 * Replays of LocalStack's tests/aws/services/events/test_events_schedule.py: what PutRule and
 * ListRules answer for a rule's ScheduleExpression, and which expressions PutRule refuses.
 * (The cases that wait for a schedule to fire on a queue are not held: each waits out real minutes.)
 */
import { ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { expect } from 'vitest';
import type { CaseContext, ReplayedCase } from './context.js';
import { answerOf, failure } from './snapshot.js';

/** tests_put_rule_with_schedule_cron and test_put_rule_with_schedule_rate: the rule and its listing. */
async function scheduledRule(c: CaseContext, expression: string) {
  const rule = `rule-${c.uid()}`;
  c.snap.regex(rule, '<rule-name>');
  c.snap.match('put-rule', answerOf(await c.putRule({ Name: rule, ScheduleExpression: expression })));
  c.snap.match('list-rules', answerOf(await c.events.send(new ListRulesCommand({ NamePrefix: rule }))));
}

/** tests_put_rule_with_invalid_schedule_cron: AWS's recorded refusal. */
async function invalidCron(c: CaseContext, expression: string) {
  const refused = await failure(() => c.putRule({ Name: `rule-${c.uid()}`, ScheduleExpression: expression }));
  c.snap.match('invalid-put-rule', refused);
}

/** test_put_rule_with_invalid_schedule_rate: no snapshot; the test asserts the error itself. */
async function invalidRate(c: CaseContext, expression: string) {
  const refused = await failure(() => c.events.send(new PutRuleCommand({ Name: `rule-${c.uid()}`, ScheduleExpression: expression })));
  expect(refused.Error).toEqual({ Code: 'ValidationException', Message: 'Parameter ScheduleExpression is not valid.' });
}

const VALID_CRONS = [
  'cron(0 2 ? * SAT *)',
  'cron(0 12 * * ? *)',
  'cron(5,35 14 * * ? *)',
  'cron(15 10 ? * 6L 2002-2005)',
  'cron(0 2 ? * SAT#3 *)',
  'cron(* * ? * SAT#3 *)',
  'cron(0/5 5 ? JAN 1-5 2022)',
  'cron(0 10 * * ? *)',
  'cron(15 12 * * ? *)',
  'cron(0 18 ? * MON-FRI *)',
  'cron(0 8 1 * ? *)',
  'cron(0/15 * * * ? *)',
  'cron(0/10 * ? * MON-FRI *)',
  'cron(0/5 8-17 ? * MON-FRI *)',
  'cron(0/30 20-23 ? * MON-FRI *)',
  'cron(0/30 0-2 ? * MON-FRI *)',
];
const INVALID_CRONS = ['cron(0 1 * * * *)', 'cron(7 20 * * NOT *)', 'cron(INVALID)', 'cron(0 dummy ? * MON-FRI *)', 'cron(71 8 1 * ? *)'];
const INVALID_RATES = [
  'rate(10 seconds)',
  'rate(10 years)',
  'rate(1 minutes)',
  'rate(1 hours)',
  'rate(1 days)',
  'rate(10 minute)',
  'rate(10 hour)',
  'rate(10 day)',
  'rate()',
  'rate(10)',
  'rate(10 minutess)',
  'rate(foo minutes)',
  'rate(0 minutes)',
  'rate(-10 minutes)',
  'rate(10 MINUTES)',
  'rate( 10 minutes )',
  ' rate(10 minutes)',
];

export const scheduleCases: Record<string, ReplayedCase> = {
  'TestScheduleRate::test_put_rule_with_schedule_rate': (c) => scheduledRule(c, 'rate(1 minute)'),
  'TestScheduleRate::tests_put_rule_with_schedule_custom_event_bus': async (c) => {
    const bus = `test-bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    const put = new PutRuleCommand({ Name: `test-rule-${c.uid()}`, EventBusName: bus, ScheduleExpression: 'rate(1 minute)' });
    c.snap.match('put-rule-with-custom-event-bus-error', await failure(() => c.events.send(put)));
  },
  // Recorded before the test took parameters, with the expression its listing shows.
  'TestScheduleCron::tests_put_rule_with_schedule_cron': (c) => scheduledRule(c, 'cron(0 20 * * ? *)'),
  ...Object.fromEntries(
    VALID_CRONS.map((cron) => [`TestScheduleCron::tests_put_rule_with_schedule_cron[${cron}]`, (c: CaseContext) => scheduledRule(c, cron)]),
  ),
  ...Object.fromEntries(
    INVALID_CRONS.map((cron) => [
      `TestScheduleCron::tests_put_rule_with_invalid_schedule_cron[${cron}]`,
      (c: CaseContext) => invalidCron(c, cron),
    ]),
  ),
  ...Object.fromEntries(
    INVALID_RATES.map((rate) => [
      `TestScheduleRate::test_put_rule_with_invalid_schedule_rate[${rate}]`,
      (c: CaseContext) => invalidRate(c, rate),
    ]),
  ),
};

/** Replays of LocalStack's tests/aws/services/events/test_events.py, TestEventRule and TestEventTarget (listing and paging). */
import { ListRuleNamesByTargetCommand, ListRulesCommand, ListTargetsByRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { type CaseContext, patternRule, type ReplayedCase, ruleName, TEST_EVENT_PATTERN } from './context.js';
import { answerOf } from './snapshot.js';

/** The bus of a `[custom]` or `[default]` case. */
async function caseBus(c: CaseContext, kind: string): Promise<string> {
  if (kind !== 'custom') return kind;
  const bus = `bus-${c.uid()}`;
  await c.createBus({ Name: bus });
  return bus;
}

/** Rules `<prefix>0..count-1` on `bus`, each with a target on `queueArn`. */
async function rulesTargeting(c: CaseContext, bus: string, prefix: string, count: number, queueArn: string) {
  for (let i = 0; i < count; i++) {
    const rule = `${prefix}${i}`;
    await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify({ source: [`source-${i}`] }) });
    await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: `target-${i}`, Arn: queueArn }] }));
  }
}

async function ruleNamesByTarget(c: CaseContext, kind: string) {
  const queueArn = c.queueArn();
  const bus = await caseBus(c, kind);
  const prefix = `rule-${c.uid()}-`;
  c.snap.regex(prefix, '<rule-prefix>');
  await rulesTargeting(c, bus, prefix, 3, queueArn);
  await c.putRule({ Name: `${prefix}other`, EventBusName: bus, EventPattern: JSON.stringify({ source: ['other-source'] }) });
  const list = new ListRuleNamesByTargetCommand({ TargetArn: queueArn, EventBusName: bus });
  c.snap.match('list_rule_names_by_target', answerOf(await c.events.send(list)));
}

async function ruleNamesByTargetPaged(c: CaseContext, kind: string) {
  const queueArn = c.queueArn();
  const bus = await caseBus(c, kind);
  const prefix = `rule-${c.uid()}-`;
  c.snap.regex(prefix, '<rule-prefix>');
  await rulesTargeting(c, bus, prefix, 5, queueArn);
  c.snap.keyValue('NextToken', '<next-token>');
  const page = (NextToken?: string) =>
    c.events.send(new ListRuleNamesByTargetCommand({ TargetArn: queueArn, EventBusName: bus, Limit: 2, NextToken }));
  const first = await page();
  c.snap.match('first_page', answerOf(first));
  const second = await page(first.NextToken);
  c.snap.match('second_page', answerOf(second));
  c.snap.match('third_page', answerOf(await page(second.NextToken)));
}

async function ruleNamesNoMatch(c: CaseContext, kind: string) {
  const searched = c.queueArn();
  const targeted = c.queueArn();
  const bus = await caseBus(c, kind);
  const rule = `rule-${c.uid()}`;
  await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify({ source: ['test-source'] }) });
  await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [{ Id: 'target-1', Arn: targeted }] }));
  const list = new ListRuleNamesByTargetCommand({ TargetArn: searched, EventBusName: bus });
  c.snap.match('list_rule_names_by_target_no_matches', answerOf(await c.events.send(list)));
}

export const ruleCases: Record<string, ReplayedCase> = {
  'TestEventRule::test_list_rule_names_by_target[custom]': (c) => ruleNamesByTarget(c, 'custom'),
  'TestEventRule::test_list_rule_names_by_target[default]': (c) => ruleNamesByTarget(c, 'default'),
  'TestEventRule::test_list_rule_names_by_target_with_limit[custom]': (c) => ruleNamesByTargetPaged(c, 'custom'),
  'TestEventRule::test_list_rule_names_by_target_with_limit[default]': (c) => ruleNamesByTargetPaged(c, 'default'),
  'TestEventRule::test_list_rule_names_by_target_no_matches[custom]': (c) => ruleNamesNoMatch(c, 'custom'),
  'TestEventRule::test_list_rule_names_by_target_no_matches[default]': (c) => ruleNamesNoMatch(c, 'default'),
  'TestEventRule::test_list_rule_with_limit': async (c) => {
    c.snap.keyValue('NextToken', 'next_token');
    const bus = `bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    c.snap.regex(bus, '<bus-name>');
    const prefix = `test-rule-${c.uid()}`;
    c.snap.regex(prefix, '<rule-name-prefix>');
    for (let i = 0; i < 6; i++)
      await c.putRule({ Name: `${prefix}-${i}`, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
    const first = await c.events.send(new ListRulesCommand({ Limit: 3, EventBusName: bus }));
    c.snap.match('list-rules-limit', answerOf(first));
    const next = await c.events.send(new ListRulesCommand({ Limit: 5, NextToken: first.NextToken, EventBusName: bus }));
    c.snap.match('list-rules-limit-next-token', answerOf(next));
  },
  'TestEventRule::test_put_multiple_rules_with_same_name': async (c) => {
    const bus = `bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    c.snap.regex(bus, '<bus-name>');
    const rule = ruleName(c);
    const put = () => c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
    c.snap.match('put-rule', answerOf(await put()));
    c.snap.match('re-put-rule', answerOf(await put()));
    c.snap.match('list-rules', answerOf(await c.events.send(new ListRulesCommand({ EventBusName: bus }))));
  },
  'TestEventRule::test_update_rule_with_targets': async (c) => {
    const rule = await patternRule(c);
    const target = `test-target-${c.uid()}`;
    c.snap.regex(target, '<target-id>');
    const queueArn = c.queueArn();
    c.snap.regex(queueArn, '<queue-arn>');
    await c.events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: target, Arn: queueArn }] }));
    c.snap.match('list-targets', answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule }))));
    c.snap.match('update-rule', answerOf(await c.putRule({ Name: rule, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) })));
    c.snap.match('list-targets-after-update', answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule }))));
  },
  'TestEventTarget::test_list_target_by_rule_limit': async (c) => {
    c.snap.keyValue('NextToken', 'next_token');
    const rule = await patternRule(c);
    const queueArn = c.queueArn();
    c.snap.regex(queueArn, '<queue-arn>');
    c.snap.regex('test-target-', '<target-id>');
    const targets = Array.from({ length: 5 }, (_, i) => ({ Id: `test-target-${i}`, Arn: queueArn }));
    await c.events.send(new PutTargetsCommand({ Rule: rule, Targets: targets }));
    const first = await c.events.send(new ListTargetsByRuleCommand({ Rule: rule, Limit: 3 }));
    c.snap.match('list-targets-limit', answerOf(first));
    c.snap.match(
      'list-targets-limit-next-token',
      answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule, NextToken: first.NextToken }))),
    );
  },
  'TestEventTarget::test_put_multiple_targets_with_same_id_single_rule': async (c) => {
    const rule = `rule-${c.uid()}`;
    const queueArn = c.queueArn();
    await c.putRule({ Name: rule, EventPattern: JSON.stringify(TEST_EVENT_PATTERN), State: 'ENABLED' });
    const target = `test-With_valid.Characters-${c.uid()}`;
    for (const InputPath of ['$.detail', '$.notexisting']) {
      await c.events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: target, Arn: queueArn, InputPath }] }));
    }
    c.snap.regex(target, 'target-id');
    c.snap.regex(queueArn, 'target-arn');
    c.snap.match('list-targets', answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule }))));
  },
};

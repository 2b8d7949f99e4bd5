/**
 * Replays of LocalStack's tests/aws/services/events/test_events.py (TestEvents, TestEventRule,
 * TestEventTarget) and test_events_patterns.py (TestEventPattern's API cases).
 */
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import {
  busOfKind,
  type CaseContext,
  patternRule,
  type ReplayedCase,
  ruleName,
  TEST_EVENT_DETAIL,
  TEST_EVENT_PATTERN,
  TEST_EVENT_PATTERN_NO_DETAIL,
} from './context.js';
import { answerOf, failure } from './snapshot.js';

const putEvents = async (c: CaseContext, entries: PutEventsRequestEntry[]) => {
  c.snap.match('put-events', answerOf(await c.events.send(new PutEventsCommand({ Entries: entries }))));
};

const malformed = (detail: string) => (c: CaseContext) =>
  putEvents(c, [{ Source: TEST_EVENT_PATTERN.source[0], DetailType: TEST_EVENT_PATTERN['detail-type'][0], Detail: detail }]);

async function putListDescribeDelete(c: CaseContext, kind: string) {
  const bus = await busOfKind(c, kind);
  const rule = ruleName(c);
  c.snap.match('put-rule', answerOf(await c.putRule({ Name: rule, EventPattern: JSON.stringify(TEST_EVENT_PATTERN), EventBusName: bus })));
  c.snap.match('list-rules', answerOf(await c.events.send(new ListRulesCommand({ NamePrefix: rule, EventBusName: bus }))));
  c.snap.match('describe-rule', answerOf(await c.events.send(new DescribeRuleCommand({ Name: rule, EventBusName: bus }))));
  c.snap.match('delete-rule', answerOf(await c.events.send(new DeleteRuleCommand({ Name: rule, EventBusName: bus }))));
  c.snap.match('list-rules-after-delete', answerOf(await c.events.send(new ListRulesCommand({ NamePrefix: rule, EventBusName: bus }))));
}

async function disableEnable(c: CaseContext, kind: string) {
  const bus = await busOfKind(c, kind);
  const rule = await patternRule(c, bus);
  c.snap.match('disable-rule', answerOf(await c.events.send(new DisableRuleCommand({ Name: rule, EventBusName: bus }))));
  c.snap.match('describe-rule-disabled', answerOf(await c.events.send(new DescribeRuleCommand({ Name: rule, EventBusName: bus }))));
  c.snap.match('enable-rule', answerOf(await c.events.send(new EnableRuleCommand({ Name: rule, EventBusName: bus }))));
  c.snap.match('describe-rule-enabled', answerOf(await c.events.send(new DescribeRuleCommand({ Name: rule, EventBusName: bus }))));
}

async function putListRemoveTarget(c: CaseContext, kind: string) {
  const bus = await busOfKind(c, kind);
  const busMember: { EventBusName?: string } = kind === 'custom' ? { EventBusName: bus } : {};
  const rule = await patternRule(c, bus);
  const queueArn = c.queueArn();
  c.snap.regex(queueArn, '<queue-arn>');
  const target = `test-target-${c.uid()}`;
  c.snap.regex(target, '<target-id>');
  c.snap.match(
    'put-target',
    answerOf(await c.events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: target, Arn: queueArn }], ...busMember }))),
  );
  c.snap.match('list-targets', answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule, ...busMember }))));
  c.snap.match('remove-target', answerOf(await c.events.send(new RemoveTargetsCommand({ Rule: rule, Ids: [target], ...busMember }))));
  c.snap.match('list-targets-after-delete', answerOf(await c.events.send(new ListTargetsByRuleCommand({ Rule: rule, ...busMember }))));
}

const PATTERN_WITH_NUMERIC = JSON.stringify({ body: { test2: [{ numeric: ['>', 100] }] } });

export const eventCases: Record<string, ReplayedCase> = {
  'TestEvents::test_put_event_malformed_detail[ARRAY]': malformed('[]'),
  'TestEvents::test_put_event_malformed_detail[MALFORMED_JSON]': malformed('{{}'),
  'TestEvents::test_put_event_malformed_detail[SERIALIZED_STRING]': malformed(JSON.stringify('NotJSON')),
  'TestEvents::test_put_event_malformed_detail[STRING]': malformed('NotJSON'),
  'TestEvents::test_put_event_with_too_big_detail': async (c) => {
    // Recorded when the limit was 256 KB (2025-01): EventBridge raised it to 1 MB in January 2026
    // (API_PutEvents.html, eb-putevent-size.html), so the recording's 256 KB entry is accepted
    // today and only an entry over 1 MB gets the recorded error. Current AWS documentation wins.
    const detail = (bytes: number) => JSON.stringify({ payload: ['p'.repeat(bytes - 17)] });
    const entry = (bytes: number) => ({
      Source: TEST_EVENT_PATTERN_NO_DETAIL.source[0],
      DetailType: TEST_EVENT_PATTERN_NO_DETAIL['detail-type'][0],
      Detail: detail(bytes),
    });
    const accepted = await c.events.send(new PutEventsCommand({ Entries: [entry(256 * 1024)] }));
    if (accepted.FailedEntryCount !== 0) throw new Error('an entry of 256 KB is within the 1 MB limit and must be accepted');
    c.snap.match(
      'put-events-too-big-detail-error',
      await failure(() => c.events.send(new PutEventsCommand({ Entries: [entry(1024 * 1024)] }))),
    );
  },
  'TestEvents::test_put_event_without_detail': (c) =>
    putEvents(c, [{ Source: TEST_EVENT_PATTERN_NO_DETAIL.source[0], DetailType: TEST_EVENT_PATTERN_NO_DETAIL['detail-type'][0] }]),
  'TestEvents::test_put_event_without_detail_type': (c) =>
    putEvents(c, [{ Source: 'some.source', Detail: JSON.stringify(TEST_EVENT_DETAIL), DetailType: '' }]),
  'TestEvents::test_put_events_without_source': (c) =>
    putEvents(c, [{ DetailType: TEST_EVENT_PATTERN['detail-type'][0], Detail: JSON.stringify(TEST_EVENT_DETAIL) }]),
  'TestEventRule::test_delete_rule_with_targets': async (c) => {
    const rule = await patternRule(c);
    const target = `test-target-${c.uid()}`;
    c.snap.regex(target, '<target-id>');
    await c.events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: target, Arn: c.queueArn() }] }));
    c.snap.match('delete-rule-with-targets-error', await failure(() => c.events.send(new DeleteRuleCommand({ Name: rule }))));
  },
  'TestEventRule::test_describe_nonexistent_rule': async (c) => {
    const rule = `this-rule-does-not-exist-1234567890-${c.uid()}`;
    c.snap.regex(rule, '<rule-name>');
    c.snap.match('describe-not-existing-rule-error', await failure(() => c.events.send(new DescribeRuleCommand({ Name: rule }))));
  },
  'TestEventRule::test_disable_re_enable_rule[custom]': (c) => disableEnable(c, 'custom'),
  'TestEventRule::test_disable_re_enable_rule[default]': (c) => disableEnable(c, 'default'),
  'TestEventRule::test_put_list_with_prefix_describe_delete_rule[custom]': (c) => putListDescribeDelete(c, 'custom'),
  'TestEventRule::test_put_list_with_prefix_describe_delete_rule[default]': (c) => putListDescribeDelete(c, 'default'),
  'TestEventTarget::test_add_exceed_fife_targets_per_rule': async (c) => {
    const rule = await patternRule(c);
    const queueArn = c.queueArn();
    c.snap.regex(queueArn, '<queue-arn>');
    c.snap.regex('test-target-', '<target-id>');
    const targets = Array.from({ length: 7 }, (_, i) => ({ Id: `test-target-${i}`, Arn: queueArn }));
    c.snap.match('put-targets-client-error', await failure(() => c.events.send(new PutTargetsCommand({ Rule: rule, Targets: targets }))));
  },
  'TestEventTarget::test_put_list_remove_target[custom]': (c) => putListRemoveTarget(c, 'custom'),
  'TestEventTarget::test_put_list_remove_target[default]': (c) => putListRemoveTarget(c, 'default'),
  'TestEventTarget::test_put_target_id_validation': async (c) => {
    const rule = `rule-${c.uid()}`;
    const queueArn = c.queueArn();
    await c.putRule({ Name: rule, EventPattern: JSON.stringify(TEST_EVENT_PATTERN), State: 'ENABLED' });
    const put = (id: string) =>
      c.events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: id, Arn: queueArn, InputPath: '$.detail' }] }));
    c.snap.match('put-targets-invalid-id-error', await failure(() => put('!@#$@!#$')));
    const long = `${crypto.randomUUID()}-${crypto.randomUUID()}-extra`;
    c.snap.regex(long, 'second-invalid-target-id');
    c.snap.match('put-targets-length-error', await failure(() => put(long)));
    await put(`test-With_valid.Characters-${c.uid()}`);
  },
  'TestEventPattern::test_plain_string_payload': async (c) => {
    c.snap.match(
      'plain-string-payload-exc',
      await failure(() => c.events.send(new TestEventPatternCommand({ Event: 'plain string', EventPattern: PATTERN_WITH_NUMERIC }))),
    );
  },
  'TestEventPattern::test_array_event_payload': async (c) => {
    c.snap.match(
      'array-event-payload-exc',
      await failure(() =>
        c.events.send(new TestEventPatternCommand({ Event: JSON.stringify(['plain string']), EventPattern: PATTERN_WITH_NUMERIC })),
      ),
    );
  },
  'TestEventPattern::test_invalid_event_payload': async (c) => {
    c.snap.match(
      'plain-string-payload-exc',
      await failure(() =>
        c.events.send(new TestEventPatternCommand({ Event: JSON.stringify({ testEvent: 'value' }), EventPattern: PATTERN_WITH_NUMERIC })),
      ),
    );
  },
  'TestEventPattern::test_event_pattern_source': async (c) => {
    const event = JSON.stringify({
      id: '1',
      source: 'order',
      'detail-type': 'Test',
      account: c.accountId,
      region: c.region,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    const test = (source: string) =>
      c.events.send(
        new TestEventPatternCommand({ Event: event, EventPattern: JSON.stringify({ source: [source], 'detail-type': ['Test'] }) }),
      );
    c.snap.match('eventbridge-test-event-pattern-response', answerOf(await test('order')));
    c.snap.match('eventbridge-test-event-pattern-response-no-match', answerOf(await test('shipment')));
  },
};

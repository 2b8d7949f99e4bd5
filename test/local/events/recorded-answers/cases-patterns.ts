/**
 * Replays of LocalStack's tests/aws/services/events/test_events_patterns.py. TestEventPattern:
 * the parametrized `test_event_pattern[<template>]` cases whose templates are not among the
 * TestEventPattern vectors of test/conformance/event-patterns/ (which pattern.test.ts checks),
 * and the cases with events and patterns of their own; TestRuleWithPattern: rules' patterns
 * deciding what reaches a queue.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PutEventsCommand, PutTargetsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { expect } from 'vitest';
import type { CaseContext, ReplayedCase } from './context.js';
import { collectMessages, putEventsWithFilterToSqs } from './delivery.js';
import { answerOf, failure, RECORDED_DIR } from './snapshot.js';

const PAYLOADS = path.join(RECORDED_DIR, 'payloads');
const payload = (name: string) => readFileSync(path.join(PAYLOADS, name), 'utf8');
const TEMPLATES = JSON.parse(payload('event_pattern_templates.json')) as Record<string, { Event: unknown; EventPattern: unknown }>;

const testPattern = (c: CaseContext, Event: string, EventPattern: string) =>
  c.events.send(new TestEventPatternCommand({ Event, EventPattern }));

/**
 * test_event_pattern: a template named `_EXC` must be refused (its error recorded as the test
 * records it: Message is the first line, MessageRaw the whole text, which the test does not
 * verify), one named `_NEG` must not match and any other must match.
 */
async function template(c: CaseContext, label: string) {
  const { Event, EventPattern } = TEMPLATES[label] ?? {};
  const call = () => testPattern(c, JSON.stringify(Event), JSON.stringify(EventPattern));
  if (label.endsWith('_EXC')) {
    const refused = await failure(call);
    const error = refused.Error as { Code: string; Message: string };
    c.snap.skipVerify('MessageRaw');
    c.snap.match(label, {
      exception_type: `<class 'botocore.errorfactory.${error.Code}'>`,
      exception_message: { ...refused, Error: { ...error, Message: error.Message.split('\n')[0], MessageRaw: error.Message } },
    });
    return;
  }
  const { Result } = await call();
  expect(Result).toBe(!label.endsWith('_NEG'));
}

const INVALID_JSON_EVENT =
  '{"id": "1", "source": "test-source", "detail-type": "test-detail-type", "account": "123456789012", "region": "us-east-2", "time": "2022-07-13T13:48:01Z", "detail": {"test": "test"}}';

/** test_invalid_json_event_pattern: the test does not verify the message, which quotes AWS's JSON parser. */
async function invalidJsonPattern(c: CaseContext, pattern: string) {
  c.snap.skipVerify('Error.Message');
  c.snap.match('invalid-pattern', await failure(() => testPattern(c, INVALID_JSON_EVENT, pattern)));
}

const ACCOUNT_COMMAND = 'core.update-account-command';
const PATTERN_HEAD = { source: [ACCOUNT_COMMAND], 'detail-type': [ACCOUNT_COMMAND] };
const entry = (detail: object) => [{ Source: ACCOUNT_COMMAND, DetailType: ACCOUNT_COMMAND, Detail: JSON.stringify(detail) }];

/** TestRuleWithPattern's cases: the messages of the entries that match `detail`'s pattern. */
async function ruleWithPattern(c: CaseContext, key: string, detail: object, entriesAsserts: [object, boolean][]) {
  c.snap.keyValue('MD5OfBody', 'm-d5-of-body');
  c.snap.keyValue('ReceiptHandle', 'receipt-handle');
  c.snap.keyValue('EventBusName', 'event-bus-name');
  const pattern = { ...PATTERN_HEAD, detail };
  const asserts = entriesAsserts.map(([d, match]) => [entry(d), match] as [ReturnType<typeof entry>, boolean]);
  c.snap.match(key, await putEventsWithFilterToSqs(c, { pattern, entriesAsserts: asserts }));
}

const CONTENT_RULE_PATTERN = {
  source: [{ exists: true }],
  'detail-type': [{ prefix: 'core.app' }],
  detail: {
    description: ['this-is-event-details'],
    amount: [200],
    salary: [2000, 4000],
    env: ['dev', 'prod'],
    user: ['user1', 'user2', 'user3'],
    admins: ['skyli', { prefix: 'hey' }, { prefix: 'ad' }],
    test1: [{ 'anything-but': 200 }],
    test2: [{ 'anything-but': 'test2' }],
    test3: [{ 'anything-but': ['test3', 'test33'] }],
    test4: [{ 'anything-but': { prefix: 'test4' } }],
    'num-test1': [{ numeric: ['<', 200] }],
    'num-test2': [{ numeric: ['<=', 200] }],
    'num-test3': [{ numeric: ['>', 200] }],
    'num-test4': [{ numeric: ['>=', 200] }],
    'num-test5': [{ numeric: ['>=', 200, '<=', 500] }],
    'num-test6': [{ numeric: ['>', 200, '<', 500] }],
    'num-test7': [{ numeric: ['>=', 200, '<', 500] }],
  },
};
const CONTENT_RULE_DETAIL = {
  description: 'this-is-event-details',
  amount: 200,
  salary: 2000,
  env: 'prod',
  user: 'user3',
  admins: 'admin',
  test1: 300,
  test2: 'test22',
  test3: 'test333',
  test4: 'this test4',
  ip: '10.102.1.100',
  'num-test1': 100,
  'num-test2': 200,
  'num-test3': 300,
  'num-test4': 200,
  'num-test5': 500,
  'num-test6': 300,
  'num-test7': 300,
};

const ruleWithPatternCases: Record<string, ReplayedCase> = {
  'TestRuleWithPattern::test_put_events_with_rule_pattern_anything_but': (c) =>
    ruleWithPattern(c, 'rule-anything-but', { command: [{ 'anything-but': ['no-message'] }] }, [
      [{ command: 'display-message', payload: 'baz' }, true],
      [{ command: null, payload: 'baz' }, true],
      [{ command: 'no-message', payload: 'baz' }, false],
    ]),
  'TestRuleWithPattern::test_put_events_with_rule_pattern_exists_true': (c) =>
    ruleWithPattern(c, 'rule-exists-true', { key: [{ exists: true }] }, [
      [{ key: 'value', payload: 'baz' }, true],
      [{ 'no-key': 'no-value', payload: 'baz' }, false],
    ]),
  'TestRuleWithPattern::test_put_events_with_rule_pattern_exists_false': (c) =>
    ruleWithPattern(c, 'rule-exists-false', { key: [{ exists: false }] }, [
      [{ key: 'value', payload: 'baz' }, false],
      [{ 'no-key': 'no-value', payload: 'baz' }, true],
    ]),
  'TestRuleWithPattern::test_put_event_with_content_base_rule_in_pattern': async (c) => {
    const queue = await c.sqsTarget();
    const bus = `event-bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    const rule = `rule-${c.uid()}`;
    await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(CONTENT_RULE_PATTERN) });
    const target = { Id: `target-${c.uid()}`, Arn: queue.arn, InputPath: '$.detail' };
    await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [target] }));
    const event = {
      EventBusName: bus,
      Source: ACCOUNT_COMMAND,
      DetailType: 'core.app.backend',
      Detail: JSON.stringify(CONTENT_RULE_DETAIL),
    };
    await c.events.send(new PutEventsCommand({ Entries: [event] }));
    const messages = await collectMessages(c, queue, 1);
    c.snap.keyValue('MD5OfBody', 'm-d5-of-body');
    c.snap.keyValue('ReceiptHandle', 'receipt-handle');
    c.snap.keyValue('MessageId', 'message-id');
    c.snap.match('messages', messages);
  },
};

export const patternCases: Record<string, ReplayedCase> = {
  ...Object.fromEntries(
    Object.keys(TEMPLATES).map((label) => [`TestEventPattern::test_event_pattern[${label}]`, (c: CaseContext) => template(c, label)]),
  ),
  'TestEventPattern::test_invalid_json_event_pattern[this is valid json but not a dict]': (c) =>
    invalidJsonPattern(c, 'this is valid json but not a dict'),
  "TestEventPattern::test_invalid_json_event_pattern[{'bad': 'quotation'}]": (c) => invalidJsonPattern(c, "{'bad': 'quotation'}"),
  'TestEventPattern::test_invalid_json_event_pattern[{"not": closed mark"]': (c) => invalidJsonPattern(c, '{"not": closed mark"'),
  'TestEventPattern::test_invalid_json_event_pattern[["not", "a", "dict", "but valid json"]]': (c) =>
    invalidJsonPattern(c, '["not", "a", "dict", "but valid json"]'),
  // A pattern that names one key twice: JSON keeps both, and both must hold.
  'TestEventPattern::test_event_pattern_with_multi_key': async (c) => {
    const { Result } = await testPattern(c, payload('complex_multi_key_event.json'), payload('complex_multi_key_event_pattern.json'));
    expect(Result).toBe(true);
  },
  'TestEventPattern::test_event_pattern_with_escape_characters': async (c) => {
    const event = String.raw`{"id": "1", "source": "test-source", "detail-type": "test-detail-type", "account": "123456789012", "region": "us-east-2", "time": "2022-07-13T13:48:01Z", "detail": {"escape_star": "*", "escape_backslash": "\\"}}`;
    const pattern = String.raw`{"detail": {"escape_star": ["*"], "escape_backslash": ["\\"]}}`;
    expect((await testPattern(c, event, pattern)).Result).toBe(true);
  },
  'TestEventPattern::test_event_with_large_and_complex_payload': async (c) => {
    const event = payload('large_complex_payload.json');
    const simple = { 'detail-type': ['cmd.documents.generate'] };
    c.snap.match('complex-event-simple-pattern', answerOf(await testPattern(c, event, JSON.stringify(simple))));
    const complex = { detail: { 'payload.nested.another-level.deep': { 'inside-list': [{ prefix: 'q-test' }] } } };
    c.snap.match('complex-event-complex-pattern', answerOf(await testPattern(c, event, JSON.stringify(complex))));
  },
  ...ruleWithPatternCases,
};

import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createMapping, enabled, handlerFunction, logEvents, queue, type SqsMappingReplay } from './sqs-mapping-replay.js';

/** Python's json.dumps (its `", "` and `": "` separators), as the recorded tests write their messages. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}: ${pythonJson(inner)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

/**
 * `test_sqs_event_filter`: two messages on the queue, one the filter matches and one it does not
 * (a text that is not JSON is sent as it is); the mapping invokes the echo function once, with the
 * one it matches, and the queue is left empty (Lambda deletes what no filter matches).
 */
const filterCase =
  (filter: object, matching: object, notMatching: object | string): SqsMappingReplay =>
  async (c) => {
    const name = c.name('lambda_func');
    await handlerFunction(c, name, 'lambda_echo');
    const source = await queue(c, c.name('queue'));
    await c.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: pythonJson(matching) }));
    const other = typeof notMatching === 'string' ? notMatching : pythonJson(notMatching);
    await c.sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: other }));
    const [created, uuid] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      MaximumBatchingWindowInSeconds: 1,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(filter) }] },
    });
    await enabled(c, uuid);
    const events = await logEvents(c, name, 1);
    const left = await c.sqs.send(new ReceiveMessageCommand({ QueueUrl: source.url }));
    if ((left.Messages ?? []).length > 0) throw new Error(`the queue still has ${left.Messages?.length} message(s)`);
    if (events.length !== 1) throw new Error(`the function was invoked ${events.length} times`);
    return { create_event_source_mapping_response: created, invocation_events: events };
  };

/** `test_sqs_invalid_event_filter`: a pattern that is not a JSON object of rules, refused. */
const invalidFilterCase =
  (pattern: string): SqsMappingReplay =>
  async (c) => {
    const name = c.name('lambda_func');
    await handlerFunction(c, name, 'lambda_echo');
    const source = await queue(c, c.name('queue'));
    const [refused] = await createMapping(c, {
      EventSourceArn: source.arn,
      FunctionName: name,
      MaximumBatchingWindowInSeconds: 1,
      FilterCriteria: { Filters: [{ Pattern: pattern }] },
    });
    return { create_event_source_mapping_exception: refused };
  };

const FILTER = 'TestSQSEventSourceMapping::test_sqs_event_filter';
const INVALID = 'TestSQSEventSourceMapping::test_sqs_invalid_event_filter';

/**
 * The filter tests by snapshot key. The ids `filterN-...` and `*-filter`, `numeric-prefix` are
 * of an earlier parametrization (testItem, test2): their filter and matching message are as
 * recorded; the message the filter does not match is not recorded, and is one it does not.
 */
export const SQS_FILTER_CASES: Record<string, SqsMappingReplay> = {
  [`${FILTER}[single]`]: filterCase({ body: { 'my-key': ['my-value'] } }, { 'my-key': 'my-value' }, { 'my-key': 'other-value' }),
  [`${FILTER}[or]`]: filterCase(
    { body: { 'my-key': ['my-value-one', 'my-value-two'] } },
    { 'my-key': 'my-value-two' },
    { 'my-key': 'other-value' },
  ),
  [`${FILTER}[and]`]: filterCase(
    { body: { 'my-key-one': ['other-filter', 'my-value-one'], 'my-key-two': ['my-value-two'] } },
    { 'my-key-one': 'my-value-one', 'my-key-two': 'my-value-two' },
    { 'my-key-one': 'other-value-', 'my-key-two': 'my-value-two' },
  ),
  [`${FILTER}[exists]`]: filterCase(
    { body: { 'my-key': [{ exists: true }] } },
    { 'my-key': 'any-value-one' },
    { 'other-key': 'any-value-two' },
  ),
  [`${FILTER}[numeric-bigger]`]: filterCase(
    { body: { 'my-number': [{ numeric: ['>', 100] }] } },
    { 'my-number': 101 },
    { 'my-number': 100 },
  ),
  [`${FILTER}[numeric-smaller]`]: filterCase(
    { body: { 'my-number': [{ numeric: ['<', 100] }] } },
    { 'my-number': 99 },
    { 'my-number': 100 },
  ),
  [`${FILTER}[numeric-range]`]: filterCase(
    { body: { 'my-number': [{ numeric: ['>=', 100, '<', 200] }] } },
    { 'my-number': 100 },
    { 'my-number': 200 },
  ),
  [`${FILTER}[prefix]`]: filterCase({ body: { 'my-key': [{ prefix: 'yes' }] } }, { 'my-key': 'yes-value' }, { 'my-key': 'no-value' }),
  [`${FILTER}[valid-json-filter]`]: filterCase({ body: { 'my-key': ['my-value'] } }, { 'my-key': 'my-value' }, 'plain-string'),
  ...earlierFilters(`${FILTER}[filter`, [
    ['0-item_matching0-item_not_matching0]', { testItem: ['test24'] }, { testItem: 'test24' }, { testItem: 'test2' }],
    ['1-item_matching1-item_not_matching1]', { testItem: ['test24', 'test45'] }, { testItem: 'test45' }, { testItem: 'test2' }],
    [
      '2-item_matching2-item_not_matching2]',
      { testItem: ['test24', 'test45'], test2: ['go'] },
      { testItem: 'test45', test2: 'go' },
      { testItem: 'test45', test2: 'inv' },
    ],
    ['3-item_matching3-item_not_matching3]', { test2: [{ exists: true }] }, { test2: '7411' }, { test5: '74545' }],
    ['4-item_matching4-this is a test string]', { test2: [{ numeric: ['>', 100] }] }, { test2: 105 }, 'this is a test string'],
    ['5-item_matching5-item_not_matching5]', { test2: [{ numeric: ['<', 100] }] }, { test2: 93 }, { test2: 105 }],
    ['6-item_matching6-item_not_matching6]', { test2: [{ numeric: ['>=', 100, '<', 200] }] }, { test2: 105 }, { test2: 200 }],
    ['7-item_matching7-item_not_matching7]', { test2: [{ prefix: 'us-1' }] }, { test2: 'us-1-48454' }, { test2: 'eu-wes' }],
  ]),
  ...earlierFilters(`${FILTER}[`, [
    ['single-filter]', { testItem: ['test24'] }, { testItem: 'test24' }, { testItem: 'test2' }],
    ['or-filter]', { testItem: ['test24', 'test45'] }, { testItem: 'test45' }, { testItem: 'test2' }],
    [
      'and-filter]',
      { testItem: ['test24', 'test45'], test2: ['go'] },
      { testItem: 'test45', test2: 'go' },
      { testItem: 'test45', test2: 'inv' },
    ],
    ['exists-filter]', { test2: [{ exists: true }] }, { test2: '7411' }, { test5: '74545' }],
    ['numeric-prefix]', { test2: [{ prefix: 'us-1' }] }, { test2: 'us-1-48454' }, { test2: 'eu-wes' }],
  ]),
  [`${INVALID}[None]`]: invalidFilterCase('null'),
  [`${INVALID}[simple string]`]: invalidFilterCase('simple string'),
  [`${INVALID}[invalid_filter2]`]: invalidFilterCase(JSON.stringify({ eventSource: 'aws:sqs' })),
  [`${INVALID}[invalid_filter3]`]: invalidFilterCase(JSON.stringify({ eventSource: [] })),
};

function earlierFilters(prefix: string, cases: [string, object, object, object | string][]): Record<string, SqsMappingReplay> {
  return Object.fromEntries(
    cases.map(([id, rules, matching, notMatching]) => [`${prefix}${id}`, filterCase({ body: rules }, matching, notMatching)]),
  );
}

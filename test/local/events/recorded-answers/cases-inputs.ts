/**
 * Replays of LocalStack's tests/aws/services/events/test_events_inputs.py: a target's InputPath
 * and InputTransformer, as the queue target receives the event, and PutTargets' refusals.
 */
import { PutEventsCommand, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import { type CaseContext, type ReplayedCase, SPECIAL_EVENT_DETAIL, TEST_EVENT_DETAIL, TEST_EVENT_PATTERN } from './context.js';
import { collectMessages, putEventsWithFilterToSqs } from './delivery.js';
import { failure } from './snapshot.js';

const EVENT_DETAIL_DUPLICATED_KEY = {
  command: 'update-account',
  payload: { acc_id: '0a787ecb-4015', payload: { message: 'baz', id: '123' } },
};
const SOURCE = TEST_EVENT_PATTERN.source[0];
const DETAIL_TYPE = TEST_EVENT_PATTERN['detail-type'][0];
const entries = (detail: object) => [{ Source: SOURCE, DetailType: DETAIL_TYPE, Detail: JSON.stringify(detail) }];

/** The transformers every delivering case adds: a message's MD5OfBody and ReceiptHandle. */
function messageKeys(c: CaseContext) {
  c.snap.keyValue('MD5OfBody', 'm-d5-of-body');
  c.snap.keyValue('ReceiptHandle', 'receipt-handle');
}

/** A bus, a rule with TEST_EVENT_PATTERN on it, and PutTargets with `targets(queueArn, targetId)` (its answer or error). */
async function ruleWithTargets(c: CaseContext, targets: (queueArn: string, targetId: string) => Target[]) {
  const queue = await c.sqsTarget();
  const bus = `test-bus-${c.uid()}`;
  await c.createBus({ Name: bus });
  const rule = `test-rule-${c.uid()}`;
  await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
  const targetId = `target-${c.uid()}`;
  const put = () => c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: targets(queue.arn, targetId) }));
  return { queue, bus, rule, targetId, put };
}

async function inputPath(c: CaseContext, path: string, detail: object = TEST_EVENT_DETAIL) {
  const messages = await putEventsWithFilterToSqs(c, {
    pattern: TEST_EVENT_PATTERN,
    entriesAsserts: [[entries(detail), true]],
    inputPath: path,
  });
  messageKeys(c);
  c.snap.match('message', messages);
}

/** test_put_events_with_input_transformer_input_template_string/json: every key found, then one missing. */
async function templateMatchAll(c: CaseContext, template: string) {
  const transformed = (command: string) =>
    putEventsWithFilterToSqs(c, {
      pattern: TEST_EVENT_PATTERN,
      entriesAsserts: [[entries(TEST_EVENT_DETAIL), true]],
      inputTransformer: { InputPathsMap: { 'detail-type': '$.detail-type', timestamp: '$.time', command }, InputTemplate: template },
    });
  const matchAll = await transformed('$.detail.command');
  const notMatchAll = await transformed('$.detail.notinmessage');
  messageKeys(c);
  c.snap.match('custom-variables-match-all', matchAll);
  c.snap.match('custom-variables-not-match-all', notMatchAll);
}

const NESTED_PATHS = {
  userId: '$.detail.payload.acc_id',
  payload: '$.detail.payload',
  systemstring: '$.detail.awsAccountId',
  listsingle: '$.detail.listsingle',
  listmulti: '$.detail.listmulti',
  valid: '$.detail.valid',
};

/** test_input_transformer_nested_keys_replacement: the template is the test's parameter (its id, `\n` a newline). */
async function nestedKeys(c: CaseContext, template: string) {
  const messages = await putEventsWithFilterToSqs(c, {
    pattern: TEST_EVENT_PATTERN,
    entriesAsserts: [[entries(SPECIAL_EVENT_DETAIL), true]],
    inputTransformer: { InputPathsMap: NESTED_PATHS, InputTemplate: template },
  });
  messageKeys(c);
  c.snap.match('input-transformed-messages', messages);
}

/** ..._not_valid: a template that would not be JSON once filled is silently not delivered. */
async function nestedKeysNotValid(c: CaseContext, template: string) {
  const { userId, payload, listsingle } = NESTED_PATHS;
  await putEventsWithFilterToSqs(c, {
    pattern: TEST_EVENT_PATTERN,
    entriesAsserts: [[entries(SPECIAL_EVENT_DETAIL), false]],
    inputTransformer: { InputPathsMap: { userId, payload, listsingle }, InputTemplate: template },
  });
}

async function predefinedVariables(c: CaseContext, template: string) {
  const { queue, bus, rule, put } = await ruleWithTargets(c, (Arn, Id) => [{ Id, Arn, InputTransformer: { InputTemplate: template } }]);
  await put();
  await c.events.send(new PutEventsCommand({ Entries: [{ EventBusName: bus, ...entries(TEST_EVENT_DETAIL)[0] }] }));
  const messages = await collectMessages(c, queue, 1);
  c.snap.regex(bus, '<bus-name>');
  c.snap.regex(rule, '<rule-name>');
  messageKeys(c);
  c.snap.replaceAt('messages.*.Body.originalEvent.time', '<ingestion-time>');
  c.snap.match('messages', messages);
}

const NESTED_TEMPLATES = [
  '{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}',
  '"Payload of <payload> with path users-service/users/<userId> and <userId>"',
  '{"id" : <userId>}',
  '{"id" : "<userId>"}',
  '{"method": "PUT", "path": "users-service/users/<userId>", "id": <userId>, "body": <payload>}',
  '{"method": "PUT", "path": "users-service/users/<userId>", "bod": [<userId>, "hardcoded"]}',
  '{"method": "PUT", "nested": {"level1": {"level2": {"level3": "users-service/users/<userId>"} } }, "bod": "<userId>"}',
  '"<listsingle> single list item"',
  '"<listmulti> multiple list items"',
  '{"singlelistitem": <listsingle>}',
  '"<listsingle> single list item <listmulti> multiple list items <systemstring> system account id <payload> payload <userId> user id"',
  '{"multi_replacement": "users/<userId>/second/<userId>"}',
  '"Command is <valid>!"',
  // Recorded when the test had it (it left the test for how LocalStack's SQS takes a newline).
  '"<listsingle> single list item"\\n"<listmulti> multiple list items"\\n"<systemstring> system account id"\\n"<payload> payload"\\n"<userId> user id"',
];
const NOT_VALID_TEMPLATES = [
  '{"not_valid": "users-service/users/<payload>", "bod": <payload>}',
  '{"payload": "<payload>"}',
  '{"singlelistitem": "<listsingle>"}',
];
const TEMPLATE_STRINGS = [
  '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"',
  '"{[/Check with special starting characters for event of <detail-type> type"',
];
const PREDEFINED = [
  '"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"',
  '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}',
];
const TRANSFORMER = 'TestInputTransformer::';

export const inputCases: Record<string, ReplayedCase> = {
  test_put_event_input_path_and_input_transformer: async (c) => {
    const InputTransformer = {
      InputPathsMap: { 'detail-type': '$.detail-type', timestamp: '$.time', command: '$.detail.command' },
      InputTemplate: '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
    };
    const { targetId, put } = await ruleWithTargets(c, (Arn, Id) => [{ Id, Arn, InputTransformer, InputPath: '$.detail' }]);
    const refused = await failure(put);
    c.snap.regex(targetId, '<target-id>');
    c.snap.match('duplicated-input-operations-error', refused);
  },
  'TestInputPath::test_put_events_with_input_path': (c) => inputPath(c, '$.detail'),
  'TestInputPath::test_put_events_with_input_path_nested[event_detail0]': (c) => inputPath(c, '$.detail.payload'),
  'TestInputPath::test_put_events_with_input_path_nested[event_detail1]': (c) =>
    inputPath(c, '$.detail.payload', EVENT_DETAIL_DUPLICATED_KEY),
  'TestInputPath::test_put_events_with_input_path_max_level_depth': (c) => inputPath(c, '$.detail.payload.sf_id'),
  'TestInputPath::test_put_events_with_input_path_multiple_targets': async (c) => {
    const second = await c.sqsTarget();
    const { queue, bus, put } = await ruleWithTargets(c, (Arn, Id) => [
      { Id, Arn, InputPath: '$.detail' },
      { Id: `target-${c.uid()}`, Arn: second.arn },
    ]);
    await put();
    await c.events.send(new PutEventsCommand({ Entries: [{ EventBusName: bus, ...entries(TEST_EVENT_DETAIL)[0] }] }));
    const first = await collectMessages(c, queue, 1);
    const other = await collectMessages(c, second, 1);
    messageKeys(c);
    c.snap.match('message-queue-1', first);
    c.snap.match('message-queue-2', other);
  },
  [`${TRANSFORMER}test_put_events_with_input_transformer_input_template_json`]: (c) =>
    templateMatchAll(c, '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}'),
  // Recorded before the test took parameters, with its first template.
  [`${TRANSFORMER}test_put_events_with_input_transformer_input_template_string`]: (c) => templateMatchAll(c, TEMPLATE_STRINGS[0] ?? ''),
  ...Object.fromEntries(
    TEMPLATE_STRINGS.map((t) => [
      `${TRANSFORMER}test_put_events_with_input_transformer_input_template_string[${t}]`,
      (c: CaseContext) => templateMatchAll(c, t),
    ]),
  ),
  [`${TRANSFORMER}test_put_events_with_input_transformer_missing_keys`]: async (c) => {
    const InputTransformer = {
      InputPathsMap: { 'detail-type': '$.detail-type', timestamp: '$.time', command: '$.detail.command' },
      InputTemplate: '"Event of <detail-type> type, with not defined key <notdefinedkey>"',
    };
    const { targetId, put } = await ruleWithTargets(c, (Arn, Id) => [{ Id, Arn, InputTransformer }]);
    const refused = await failure(put);
    c.snap.regex(targetId, '<target-id>');
    c.snap.match('missing-key-exception-error', refused);
  },
  ...Object.fromEntries(
    PREDEFINED.map((t) => [
      `${TRANSFORMER}test_input_transformer_predefined_variables[${t}]`,
      (c: CaseContext) => predefinedVariables(c, t),
    ]),
  ),
  ...Object.fromEntries(
    NESTED_TEMPLATES.map((id) => [
      `${TRANSFORMER}test_input_transformer_nested_keys_replacement[${id}]`,
      (c: CaseContext) => nestedKeys(c, id.replaceAll('\\n', '\n')),
    ]),
  ),
  ...Object.fromEntries(
    NOT_VALID_TEMPLATES.map((t) => [
      `${TRANSFORMER}test_input_transformer_nested_keys_replacement_not_valid[${t}]`,
      (c: CaseContext) => nestedKeysNotValid(c, t),
    ]),
  ),
};

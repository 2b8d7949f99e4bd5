import { SubscribeCommand } from '@aws-sdk/client-sns';
import { answerOf } from './recorded-compare.js';
import { type Answers, type Clients, createTopic, type Replay, setSubscription } from './recorded-replays.js';
import { pythonJson } from './recorded-replays-filter.js';

/**
 * test_sns_filter_policy.py's TestSNSFilterPolicyConditions: filter policies Subscribe refuses
 * (an sms subscription, as the tests make), and their complexity.
 */

type Subscribe = (policy: unknown, scope?: string) => Promise<Answers>;

async function subscriber(clients: Clients): Promise<Subscribe> {
  const topicArn = await createTopic(clients);
  return (policy, scope) =>
    answerOf(
      clients.sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sms',
          Endpoint: '+123123123',
          Attributes: { FilterPolicy: pythonJson(policy), ...(scope ? { FilterPolicyScope: scope } : {}) },
        }),
      ),
    );
}

/** The test's _add_normalized_field_to_snapshot: the message's first line, without AWS's parser location. */
function normalized(answer: Answers): Answers {
  const error = answer.Error as { Message?: string } | undefined;
  if (error?.Message !== undefined) Object.assign(error, { _normalized: error.Message.split('\n')[0] });
  return answer;
}

/** Each policy's answer under its key, normalized. */
const refusals =
  (policies: Readonly<Record<string, unknown>>): Replay =>
  async (clients) => {
    const subscribe = await subscriber(clients);
    const answers: Answers = {};
    for (const [key, policy] of Object.entries(policies)) answers[key] = normalized(await subscribe(policy));
    return answers;
  };

const validatePolicy = refusals({
  'error-condition-list': { key: [['value']] },
  'error-condition-operator': { key: [{ 'wrong-operator': true }] },
  'error-condition-two-operators': { key: [{ suffix: 'value', prefix: 'value2' }] },
});

const stringOperators = refusals({
  'error-condition-empty-array': { key: [] },
  'error-condition-is-numeric': { key: [{ suffix: 100 }] },
  'error-condition-is-none': { key: [{ suffix: null }] },
  'error-condition-is-not-list-and-operator': { key: { suffix: 'value' } },
  'error-condition-empty-list': { key: [{ suffix: [] }] },
  'error-condition-list-wrong-type': { key: [{ suffix: ['test', 'test2'] }] },
  'error-condition-is-not-list-two-ops': { key: { suffix: 'value', prefix: 'value' } },
  'error-condition-is-not-list-and-no-operator': { key: { 'not-an-operator': 'value' } },
  'error-condition-bad-type': { key: [{ cidr: ['bad-filter'] }] },
  'error-condition-bad-cidr-str': { key: [{ cidr: 'bad-filter' }] },
  'error-condition-bad-cidr-str-slash': { key: [{ cidr: 'bad-filter/64' }] },
  'error-condition-bad-cidr-str-slash-2': { key: [{ cidr: 'bad-/64filter' }] },
  'error-condition-bad-cidr-v4': { key: [{ cidr: 'xx.11.xx/8' }] },
  'error-condition-bad-cidr-v6': { key: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] },
});

const numeric = (...values: unknown[]) => ({ key: [{ numeric: values }] });

const numericOperator = refusals({
  'error-numeric-empty': numeric(),
  'error-numeric-wrong-operator': numeric('operator'),
  'error-numeric-operator-order': numeric(1, '<='),
  'error-numeric-type': numeric('=', '000'),
  'error-numeric-missing-value': numeric('>='),
  'error-numeric-wrong-range-order': numeric('<', 100, '>', 10),
  'error-numeric-wrong-range-operators': numeric('>=', 1, '>', 2),
  'error-numeric-wrong-value-order': numeric('>', 3, '<', 1),
  'error-numeric-missing-range-value': numeric('>', 20, '<='),
  'error-numeric-missing-range-operator': numeric('>', 20, 30),
  'error-numeric-wrong-second-range-operator': numeric('>', 20, 'test'),
  'error-numeric-wrong-range-value-1-type': numeric('>', '20', '<', '30'),
  'error-numeric-wrong-range-value-2-type': numeric('>', 20, '<', '30'),
  'error-numeric-too-many-range': numeric('>', 20, '<', 30, '<', 50),
});

const existsOperator = refusals({
  'error-condition-none': { key: [{ exists: null }] },
  'error-condition-string': { key: [{ exists: 'no' }] },
});

const nestedAnythingBut: Replay = async (clients) => {
  const answers = await refusals({
    'error-condition-wrong-operator': { key: [{ 'anything-but': { 'wrong-operator': null } }] },
    'error-condition-anything-but-suffix': { key: [{ 'anything-but': { suffix: 'test' } }] },
    'error-condition-anything-but-exists': { key: [{ 'anything-but': { exists: false } }] },
    'error-condition-anything-but-prefix-wrong-type': { key: [{ 'anything-but': { prefix: false } }] },
  })(clients);
  // What AWS takes: anything-but with a prefix, a list, a value.
  const subscribe = await subscriber(clients);
  const taken = await subscribe({ key: [{ 'anything-but': { prefix: 'test-' } }] });
  const arn = taken.SubscriptionArn as string | undefined;
  if (!arn) throw new Error(`anything-but with a prefix was refused: ${JSON.stringify(taken)}`);
  await setSubscription(clients, arn, 'FilterPolicy', pythonJson({ key: [{ 'anything-but': ['test', 'test2'] }] }));
  await setSubscription(clients, arn, 'FilterPolicy', pythonJson({ key: [{ 'anything-but': 'test' }] }));
  return answers;
};

const values = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

const policyComplexity: Replay = async (clients) => {
  const subscribe = await subscriber(clients);
  return {
    'error-complexity-in-one-condition': await subscribe({ key: values('value', 151) }),
    'error-complexity-in-two-conditions': await subscribe({ key1: values('value', 100), key2: values('value', 51) }),
    'error-complexity-too-many-fields': await subscribe(Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`key${i}`, [`value${i}`]]))),
  };
};

const policyComplexityWithOr: Replay = async (clients) => {
  const subscribe = await subscriber(clients);
  const answers: Answers = {
    // (4 * 6) + (4 * 4 * 4) + (4 * 4 * 4) = 152
    'error-complexity-or-flat': await subscribe(
      {
        source: ['aws.cloudwatch', 'aws.events', 'aws.test', 'aws.test2'],
        $or: [
          { metricName: ['CPUUtilization', 'ReadLatency', 't1', 't2', 't3', 't4'] },
          {
            metricType: ['MetricType', 'TestType', 'TestType2', 'TestType3'],
            $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4] }],
          },
        ],
      },
      'MessageAttributes',
    ),
    // (3 * 4 * 2) + (3 * 4 * 6) + (2 * 4 * 2) + (2 * 4 * 6) = 160
    'error-complexity-or-nested': await subscribe(
      {
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency', 'TestValue'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
        detail: {
          scope: ['Service', 'Test'],
          $or: [{ source: ['aws.cloudwatch'] }, { type: ['CloudWatch Alarm State Change', 'TestValue', 'TestValue2'] }],
        },
      },
      'MessageBody',
    ),
  };
  // (3 * 6) + (3 * 4 * 4) + (3 * 4 * 7) = 150: at the limit, taken.
  const taken = await subscribe(
    {
      source: ['aws.cloudwatch', 'aws.events', 'aws.test'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency', 'TestVal', 'TestVal2', 'TestVal3', 'TestVal4'] },
        {
          metricType: ['MetricType', 'TestType', 'TestType2', 'TestType3'],
          $or: [{ metricId: [1234, 4321, 5678, 9012] }, { spaceId: [1, 2, 3, 4, 5, 6, 7] }],
        },
      ],
    },
    'MessageAttributes',
  );
  if (!taken.SubscriptionArn) throw new Error(`a policy of 150 combinations was refused: ${JSON.stringify(taken)}`);
  return answers;
};

export const FILTER_CONDITION_REPLAYS: Readonly<Record<string, Replay>> = {
  'TestSNSFilterPolicyConditions::test_validate_policy': validatePolicy,
  'TestSNSFilterPolicyConditions::test_validate_policy_string_operators': stringOperators,
  'TestSNSFilterPolicyConditions::test_validate_policy_numeric_operator': numericOperator,
  'TestSNSFilterPolicyConditions::test_validate_policy_exists_operator': existsOperator,
  'TestSNSFilterPolicyConditions::test_validate_policy_nested_anything_but_operator': nestedAnythingBut,
  'TestSNSFilterPolicyConditions::test_policy_complexity': policyComplexity,
  'TestSNSFilterPolicyConditions::test_policy_complexity_with_or': policyComplexityWithOr,
};

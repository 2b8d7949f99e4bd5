import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { KnownDifferences, testsToReplay } from '../../helpers/recorded-answers.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region } from '../helpers.js';
import { Bindings, differences, normalise } from './recorded-compare.js';
import { type Clients, SQS_REPLAYS } from './recorded-replays.js';
import { BATCH_REPLAYS } from './recorded-replays-batch.js';
import { FIFO_REPLAYS } from './recorded-replays-fifo.js';
import { FILTER_REPLAYS } from './recorded-replays-filter.js';
import { FILTER_BODY_REPLAYS } from './recorded-replays-filter-body.js';
import { FILTER_CONDITION_REPLAYS } from './recorded-replays-filter-conditions.js';
import { NAME_REPLAYS } from './recorded-replays-names.js';
import { PUBLISH_REPLAYS } from './recorded-replays-publish.js';
import { SQS_DELIVERY_REPLAYS } from './recorded-replays-sqs.js';
import { SUBSCRIPTION_REPLAYS } from './recorded-replays-subscriptions.js';
import { TOPIC_REPLAYS } from './recorded-replays-topics.js';

/**
 * Replays LocalStack's AWS-validated SNS tests against the local runtime and compares every
 * answer with the one recorded on AWS (test/conformance/aws-recorded/sns/README.md).
 *
 * Current AWS documentation wins over an older recording: none of the replayed cases
 * conflicts with it. The payload cases publish around 256 KiB, which is still SNS's default
 * MaximumMessageSize (a topic may raise it to 1 MiB: large-message-payloads.html, 2026).
 */
const FOLDER = path.join(import.meta.dirname, '../../conformance/aws-recorded/sns');
const REPLAYS = {
  ...SQS_REPLAYS,
  ...BATCH_REPLAYS,
  ...NAME_REPLAYS,
  ...PUBLISH_REPLAYS,
  ...TOPIC_REPLAYS,
  ...SUBSCRIPTION_REPLAYS,
  ...FILTER_REPLAYS,
  ...FILTER_BODY_REPLAYS,
  ...FILTER_CONDITION_REPLAYS,
  ...SQS_DELIVERY_REPLAYS,
  ...FIFO_REPLAYS,
};

interface RecordedCase {
  readonly test: string;
  readonly recorded: Record<string, unknown>;
}

const cases: RecordedCase[] = readdirSync(FOLDER)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(path.join(FOLDER, file), 'utf8')) as RecordedCase);

/**
 * Differences kept on purpose or not SNS's own, by test and the path they are found at: each must
 * still occur when its test runs (the last test says which no longer does, so that it is taken off).
 */
const known = new KnownDifferences([
  // Every case whose recording has a subscription's attributes.
  ...cases
    .filter((c) => JSON.stringify(c.recorded).includes('"SubscriptionPrincipal"'))
    .map((c) => ({
      test: c.test,
      path: /\.SubscriptionPrincipal$/,
      reason: 'no IAM users locally: the subscriber is the account root (printed at start-up, docs/local-runtime/sns.md)',
    })),
  // AWS's filter-policy refusals end in its parser's location at the moment it refused; the first line is AWS's
  // (the recorded `_normalized`), the location is given locally only for a key whose rule is no list or object.
  ...[
    'test_validate_policy',
    'test_validate_policy_string_operators',
    'test_validate_policy_numeric_operator',
    'test_validate_policy_exists_operator',
    'test_validate_policy_nested_anything_but_operator',
  ].map((test) => ({
    test: `TestSNSFilterPolicyConditions::${test}`,
    path: /\.Error\.Message$/,
    reason: "filter-policy refusals lack AWS's parser location (`\\n at [Source: ...]`) after the first line",
  })),
]);

const runtimes = new RuntimesWithData();
let runtime: LocalRuntime;
let clients: Clients;

beforeAll(async () => {
  runtime = await runtimes.start(assemblyOf({}));
  clients = {
    sns: new SNSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 }),
    sqs: new SQSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 }),
  };
});

afterAll(async () => {
  clients?.sns.destroy();
  clients?.sqs.destroy();
  await runtimes.stopAll();
});

describe('SNS answers recorded on AWS', () => {
  it('has a replay for every recorded case, and a recording for every replay', () => {
    expect(cases.map((c) => c.test).sort()).toEqual(Object.keys(REPLAYS).sort());
  });

  // npm test replays every tenth case of each test class, npm run test:conformance every one.
  const byName = new Map(cases.map((c) => [c.test, c]));
  for (const recordedCase of testsToReplay([...byName.keys()]).map((test) => byName.get(test) as RecordedCase)) {
    it(`answers ${recordedCase.test} as AWS did`, { timeout: 60_000 }, async () => {
      const replay = REPLAYS[recordedCase.test];
      if (!replay) throw new Error(`no replay for ${recordedCase.test}`);
      const answers = await replay(clients);
      const bindings = new Bindings();
      const found = Object.entries(recordedCase.recorded).flatMap(([key, recorded]) =>
        differences(recorded, normalise(answers[key]), bindings, key),
      );
      expect(known.unexpected(recordedCase.test, found)).toEqual([]);
    });
  }

  it('meets every known difference, so none is listed that is gone', () => {
    expect(known.gone().map((k) => `${k.test}: ${k.reason}`)).toEqual([]);
  });
});

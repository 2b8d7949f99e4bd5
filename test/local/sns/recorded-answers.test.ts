import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region } from '../helpers.js';
import { Bindings, differences, normalise } from './recorded-compare.js';
import { type Clients, SQS_REPLAYS } from './recorded-replays.js';
import { BATCH_REPLAYS } from './recorded-replays-batch.js';
import { NAME_REPLAYS } from './recorded-replays-names.js';
import { PUBLISH_REPLAYS } from './recorded-replays-publish.js';

/**
 * Replays LocalStack's AWS-validated SNS tests against the local runtime and compares every
 * answer with the one recorded on AWS (test/conformance/aws-recorded/sns/README.md).
 *
 * Current AWS documentation wins over an older recording: none of the replayed cases
 * conflicts with it. The payload cases publish around 256 KiB, which is still SNS's default
 * MaximumMessageSize (a topic may raise it to 1 MiB: large-message-payloads.html, 2026).
 */
const FOLDER = path.join(import.meta.dirname, '../../conformance/aws-recorded/sns');
const REPLAYS = { ...SQS_REPLAYS, ...BATCH_REPLAYS, ...NAME_REPLAYS, ...PUBLISH_REPLAYS };

/**
 * Differences kept on purpose or not SNS's own, by the path they are found at: each must still
 * occur (the last test says which no longer does, so that it is taken off this list).
 */
const KNOWN_DIFFERENCES: readonly { readonly path: RegExp; readonly reason: string }[] = [
  {
    path: /\.SubscriptionPrincipal$/,
    reason: 'no IAM users locally: the subscriber is the account root (printed at start-up, docs/local-runtime/sns.md)',
  },
];
const seen = new Set<RegExp>();

/** The differences not on the known list; marks the known ones found. */
function unexpected(found: readonly string[]): string[] {
  return found.filter((difference) => {
    const path = difference.slice(0, difference.indexOf(':'));
    const known = KNOWN_DIFFERENCES.find((k) => k.path.test(path));
    if (known) seen.add(known.path);
    return known === undefined;
  });
}

interface RecordedCase {
  readonly test: string;
  readonly recorded: Record<string, unknown>;
}

const cases: RecordedCase[] = readdirSync(FOLDER)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(path.join(FOLDER, file), 'utf8')) as RecordedCase);

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

  for (const recordedCase of cases) {
    it(`answers ${recordedCase.test} as AWS did`, { timeout: 60_000 }, async () => {
      const replay = REPLAYS[recordedCase.test];
      if (!replay) throw new Error(`no replay for ${recordedCase.test}`);
      const answers = await replay(clients);
      const bindings = new Bindings();
      const found = Object.entries(recordedCase.recorded).flatMap(([key, recorded]) =>
        differences(recorded, normalise(answers[key]), bindings, key),
      );
      expect(unexpected(found)).toEqual([]);
    });
  }

  it('meets every known difference, so none is listed that is gone', () => {
    expect(KNOWN_DIFFERENCES.filter((k) => !seen.has(k.path)).map((k) => k.reason)).toEqual([]);
  });
});

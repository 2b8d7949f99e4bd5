/**
 * Replays AWS-validated EventBridge tests of the LocalStack project against the local
 * runtime and compares each answer with the one recorded on AWS, as LocalStack's snapshot
 * session compares them (test/conformance/aws-recorded/events/README.md).
 */

import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { testsToReplay } from '../../helpers/recorded-answers.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region } from '../helpers.js';
import { archiveCases, tagCases } from './recorded-answers/cases-archives-tags.js';
import { busCases } from './recorded-answers/cases-buses.js';
import { eventCases } from './recorded-answers/cases-events.js';
import { inputCases } from './recorded-answers/cases-inputs.js';
import { patternCases } from './recorded-answers/cases-patterns.js';
import { replayCases } from './recorded-answers/cases-replays.js';
import { ruleCases } from './recorded-answers/cases-rules.js';
import { scheduleFiringCases } from './recorded-answers/cases-schedule-firings.js';
import { scheduleCases } from './recorded-answers/cases-schedules.js';
import { targetCases } from './recorded-answers/cases-targets.js';
import { lambdaTargetCases } from './recorded-answers/cases-targets-lambda.js';
import { caseContext, type ReplayedCase } from './recorded-answers/context.js';
import { loadRecorded, Snapshot } from './recorded-answers/snapshot.js';

const ACCOUNT = '000000000000';
const REPLAYS: Record<string, ReplayedCase> = {
  ...busCases,
  ...eventCases,
  ...ruleCases,
  ...archiveCases,
  ...replayCases,
  ...tagCases,
  ...scheduleCases,
  ...scheduleFiringCases,
  ...patternCases,
  ...inputCases,
  ...targetCases,
  ...lambdaTargetCases,
};
const recorded = loadRecorded();
// npm test replays every tenth case of each recording file's test class (or of the file, for a test
// with no class), the first among them; npm run test:conformance every one.
const keyOf = (c: { file: string; id: string }) => `${c.file} ${c.id}`;
const categoryOf = (key: string) => {
  const [file = '', id = ''] = key.split(' ', 2);
  return id.includes('::') ? `${file} ${id.slice(0, id.indexOf('::'))}` : file;
};
const replayed = new Set(testsToReplay(recorded.map(keyOf), { categoryOf }));
const runtimes = new RuntimesWithData();
let runtime: LocalRuntime;
let events: EventBridgeClient;
let sqs: SQSClient;
// The schedule cases move it on where their tests sleep out a minute.
const clock = new AdvanceableClock();
const outcomes = new Map<string, boolean>();

beforeAll(async () => {
  runtime = await runtimes.start(assemblyOf({}), { clock });
  events = new EventBridgeClient({ endpoint: runtime.url, region, credentials });
  sqs = new SQSClient({ endpoint: runtime.url, region, credentials });
});
afterAll(async () => {
  const matched = [...outcomes.values()].filter(Boolean).length;
  // The count the issue tracks; printed so that a run shows it without a reporter of its own.
  console.log(`EventBridge answers recorded on AWS: ${matched}/${outcomes.size} cases replayed match (${recorded.length} held)`);
  await runtimes.stopAll();
});

describe('EventBridge against answers recorded on AWS', () => {
  it('has a replay for every recorded case and a recording for every replay', () => {
    expect(Object.keys(REPLAYS).sort()).toEqual(recorded.map((c) => c.id).sort());
  });

  for (const { file, id, content } of recorded.filter((c) => replayed.has(keyOf(c)))) {
    it(`answers ${file}.py::${id} as AWS did`, async () => {
      outcomes.set(id, false);
      const snap = new Snapshot({ accountId: ACCOUNT, region });
      const { context, cleanUp } = caseContext(
        { events, sqs, clientConfig: { endpoint: runtime.url, region, credentials }, clock },
        snap,
        ACCOUNT,
      );
      try {
        const replay = REPLAYS[id];
        if (!replay) throw new Error(`no replay for ${id}`);
        await replay(context);
      } finally {
        await cleanUp();
      }
      expect(snap.verifiable(snap.result())).toEqual(snap.verifiable(content));
      outcomes.set(id, true);
    });
  }
});

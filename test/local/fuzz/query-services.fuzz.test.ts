import { describe, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/aws-models/refresh-models.js';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { type FuzzRuntime, fixtureHints, restoreSesFixture, sesHints, useFuzzRuntime } from './fixture.js';
import { assertWithSeeds, expectQueryAnswer, FUZZ_RUNS, formRequest } from './harness.js';
import type { Hints } from './model-inputs.js';
import { nestedQueryCase, queryCase, randomForm } from './query-inputs.js';

/*
 * Requests without an Action, with an unknown one, or with a broken percent-encoding in the
 * path are protocol-level cases another change owns (they are answered in JSON today):
 * every form here names an action the service serves, and posts to `/`.
 */
const SERVICES: readonly {
  service: 'sqs' | 'sns' | 'ses';
  signingName: string;
  /** Member values naming the service's fixture resources, over the common ones. */
  hints?: () => Hints;
  /** Run before every request: puts back fixture resources a fuzzed delete removed. */
  prepare?: (fuzz: FuzzRuntime) => void;
  /** Whether whole inputs, nested members included, are fuzzed too (the codec driven by the model reads them all). */
  nested?: boolean;
}[] = [
  { service: 'sqs', signingName: 'sqs' },
  { service: 'sns', signingName: 'sns' },
  { service: 'ses', signingName: 'ses', hints: sesHints, prepare: restoreSesFixture, nested: true },
];

describe('the query-protocol endpoint under fuzzing', () => {
  const fuzz = useFuzzRuntime();

  for (const { service, signingName, hints, prepare, nested } of SERVICES) {
    const model = loadModel(service);
    const actions = SERVED_OPERATIONS[service] ?? [];
    const hinted = () => ({ ...fixtureHints(fuzz.url), ...hints?.() });
    for (const action of actions) {
      it(`answers ${service} ${action} in XML, never with a 500, never accepting a form made invalid`, async () => {
        await assertWithSeeds(queryCase(model, action, hinted()), async ({ form, invalid }) => {
          prepare?.(fuzz);
          const answer = await formRequest(fuzz.url, form, signingName);
          expectQueryAnswer(answer, form.toString(), invalid);
        });
      });
      if (!nested || model.operations[action]?.input === undefined) continue;
      it(`answers ${service} ${action} with its whole input, nested members too, in XML, never with a 500 nor accepting it made invalid`, async () => {
        await assertWithSeeds(nestedQueryCase(model, action, hinted()), async ({ form, invalid }) => {
          prepare?.(fuzz);
          const answer = await formRequest(fuzz.url, form, signingName);
          expectQueryAnswer(answer, form.toString(), invalid);
        });
      });
    }

    it(`answers ${service} forms of random parameters in XML, never with a 500`, async () => {
      await assertWithSeeds(
        randomForm(actions),
        async (form) => {
          const answer = await formRequest(fuzz.url, form, signingName);
          expectQueryAnswer(answer, form.toString(), undefined);
        },
        FUZZ_RUNS * 5,
      );
    });
  }
});

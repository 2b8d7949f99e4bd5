import { afterAll, beforeAll, describe, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/models/refresh-models.js';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { type FuzzRuntime, fixtureHints, startFuzzRuntime } from './fixture.js';
import { assertWithSeeds, expectQueryAnswer, FUZZ_RUNS, formRequest } from './harness.js';
import { queryCase, randomForm } from './query-inputs.js';

/*
 * Requests without an Action, with an unknown one, or with a broken percent-encoding in the
 * path are protocol-level cases another change owns (they are answered in JSON today):
 * every form here names an action the service serves, and posts to `/`.
 */
const SERVICES = [
  { service: 'sqs', signingName: 'sqs' },
  { service: 'sns', signingName: 'sns' },
  { service: 'ses', signingName: 'ses' },
] as const;

describe('the query-protocol endpoint under fuzzing', () => {
  let fuzz: FuzzRuntime;
  beforeAll(async () => {
    fuzz = await startFuzzRuntime();
  });
  afterAll(() => fuzz.stop());

  for (const { service, signingName } of SERVICES) {
    const model = loadModel(service);
    const actions = SERVED_OPERATIONS[service] ?? [];
    for (const action of actions) {
      it(`answers ${service} ${action} in XML, never with a 500, never accepting a form made invalid`, async () => {
        await assertWithSeeds(queryCase(model, action, fixtureHints(fuzz.url)), async ({ form, invalid }) => {
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

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/aws-models/refresh-models.js';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { restoreSesFixture, sesHints, useFuzzRuntime } from './fixture.js';
import { assertWithSeeds, expectRestJsonAnswer, send } from './harness.js';
import { mutatedInput } from './model-inputs.js';

const model = loadModel('sesv2');

/**
 * An SES v2 request from a mutated input: its path labels and query-string members placed
 * where the model says, the rest as the JSON body. A mutation of a label or query member, or
 * of the body of a GET or DELETE (which sends none), is not asserted refused (as text in a
 * path it may read as a valid value): only never a 500.
 */
function restCase(operation: string) {
  const { http, input } = model.operations[operation] ?? { http: { method: 'GET', requestUri: '/' } };
  const located = Object.entries(model.shapes[input ?? '']?.members ?? {}).filter(([, ref]) => ref.location !== undefined);
  return mutatedInput(model, operation, { hints: sesHints() }).map(({ input: value, body, invalid }) => {
    const members = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
    let path = http.requestUri.split('?')[0] ?? '/';
    const query = new URLSearchParams();
    for (const [name, ref] of located) {
      const given = members[name];
      delete members[name];
      const full = given === undefined ? '' : typeof given === 'string' ? given : JSON.stringify(given);
      // A URL over Node's 16 KiB header limit is refused before any service sees it (431): not what this fuzzes.
      const text = full.slice(0, 1000);
      if (ref.location === 'uri') path = path.replace(`{${ref.locationName ?? name}}`, encodeURIComponent(text));
      else if (ref.location === 'querystring' && given !== undefined) query.set(ref.locationName ?? name, text);
    }
    const search = query.toString();
    // GET and DELETE send no body: only their labels and query members reach the service.
    const bodiless = http.method === 'GET' || http.method === 'DELETE';
    const touchesLocated = bodiless || (invalid !== undefined && located.some(([name]) => invalid.startsWith(name)));
    return {
      method: http.method,
      path: search ? `${path}?${search}` : path,
      body: located.length > 0 ? JSON.stringify(members) : body,
      invalid: touchesLocated ? undefined : invalid,
    };
  });
}

describe('SES v2 (REST-JSON) under fuzzing', () => {
  const fuzz = useFuzzRuntime();

  for (const operation of SERVED_OPERATIONS.sesv2 ?? []) {
    it(`answers ${operation} in REST-JSON, never with a 500, never accepting an input made invalid`, async () => {
      await assertWithSeeds(restCase(operation), async (request) => {
        restoreSesFixture(fuzz);
        const answer = await send(fuzz.url, {
          method: request.method,
          path: request.path,
          headers: { 'content-type': 'application/json' },
          body: request.method === 'GET' || request.method === 'DELETE' ? '' : request.body,
        });
        expectRestJsonAnswer(answer, request, request.invalid);
      });
    });
  }

  it('answers bodies that are no JSON object with an error, never a 500', async () => {
    await assertWithSeeds(fc.string({ unit: 'binary', maxLength: 200 }), async (body) => {
      const answer = await send(fuzz.url, {
        method: 'POST',
        path: '/v2/email/outbound-emails',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expectRestJsonAnswer(answer, body, undefined);
    });
  });
});

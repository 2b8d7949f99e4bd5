import { beforeAll, describe, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/aws-models/refresh-models.js';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { useFuzzRuntime } from './fixture.js';
import { assertWithSeeds, expectRestJsonAnswer, FUZZ_RUNS, send } from './harness.js';
import { mutatedInput } from './model-inputs.js';

/**
 * API Gateway's REST API control plane under requests made from its model, one site broken:
 * against an API that exists (its id, root resource and a POST method with a MOCK integration
 * made first), so that the operations reach their own checks rather than stop at a missing API.
 */
describe('API Gateway REST API control plane under fuzzed requests', () => {
  const fuzz = useFuzzRuntime();
  /** The ids a request's path labels name when its input gives none. */
  let labels: Record<string, string>;

  beforeAll(async () => {
    const call = async (method: string, path: string, body: unknown) =>
      JSON.parse(
        (await send(fuzz.url, { method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).body,
      );
    const api = await call('POST', '/restapis', { name: 'fuzz' });
    const methodPath = `/restapis/${api.id}/resources/${api.rootResourceId}/methods/POST`;
    await call('PUT', methodPath, { authorizationType: 'NONE' });
    await call('PUT', `${methodPath}/integration`, { type: 'MOCK' });
    labels = {
      restapi_id: api.id,
      resource_id: api.rootResourceId,
      parent_id: api.rootResourceId,
      http_method: 'POST',
      status_code: '200',
      stage_name: 'prod',
    };
  });

  for (const operation of SERVED_OPERATIONS.apigateway ?? []) {
    it(`answers ${operation} from the model's inputs, one site broken, never with a 5xx nor accepting an input made invalid`, async () => {
      const model = loadModel('apigateway');
      const { http, input: inputShape } = model.operations[operation] ?? { http: { method: 'GET', requestUri: '/' } };
      const members = model.shapes[inputShape ?? '']?.members ?? {};
      const hasBody = http.method === 'POST' || http.method === 'PUT' || http.method === 'PATCH';
      // API Gateway's strings have no maximum; what travels in the URL is cut to stay under Node's 16 KiB of headers.
      const inUrl = (value: string) => value.slice(0, 512);
      await assertWithSeeds(
        mutatedInput(model, operation),
        async ({ input, body: wholeBody, invalid }) => {
          const pathOf = (values: Record<string, unknown>) =>
            http.requestUri.replace(/\{([^}]+)\}/g, (_, label: string) => {
              const member = Object.keys(members).find((m) => (members[m]?.locationName ?? m) === label);
              const value = member === undefined ? undefined : values[member];
              return encodeURIComponent(inUrl(typeof value === 'string' && value !== '' ? value : (labels[label] ?? 'fuzz')));
            });
          if (input === null || typeof input !== 'object' || Array.isArray(input)) {
            if (!hasBody) return;
            const answer = await send(fuzz.url, { method: http.method, path: pathOf({}), body: wholeBody });
            expectRestJsonAnswer(answer, { operation, input }, invalid);
            return;
          }
          // A path or query-string value is text: a wrong JSON type there cannot be sent, nor a request without its path label.
          // The member the break is in: `embed.2: wrong type` broke an item of the query-string list `embed`.
          const site = (/required (\w+) removed/.exec(invalid ?? '')?.[1] ?? invalid?.split(':')[0] ?? '').split('.')[0] ?? '';
          if (members[site]?.location !== undefined && invalid !== undefined) return;
          const values = input as Record<string, unknown>;
          const query = new URLSearchParams();
          const body: Record<string, unknown> = {};
          for (const [member, value] of Object.entries(values)) {
            const ref = members[member];
            if (ref?.location === 'uri') continue;
            if (ref?.location === 'querystring') {
              for (const item of Array.isArray(value) ? value : [value]) {
                query.append(ref.locationName ?? member, inUrl(typeof item === 'string' ? item : JSON.stringify(item)));
              }
            } else body[ref?.locationName ?? member] = value;
          }
          const answer = await send(fuzz.url, {
            method: http.method,
            path: `${pathOf(values)}${query.size > 0 ? `?${query}` : ''}`,
            headers: { 'content-type': 'application/json' },
            ...(hasBody ? { body: JSON.stringify(body) } : {}),
          });
          expectRestJsonAnswer(answer, { operation, input }, invalid);
        },
        FUZZ_RUNS,
      );
    }, 120_000);
  }
});

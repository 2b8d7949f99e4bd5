import fc from 'fast-check';
import { describe, it } from 'vitest';
import { SERVED_OPERATIONS } from '../../../local/endpoint/aws-models/refresh-models.js';
import { loadModel } from '../../../local/endpoint/validation/model.js';
import { useFuzzRuntime } from './fixture.js';
import { assertWithSeeds, expectRestJsonAnswer, FUZZ_RUNS, send } from './harness.js';
import { mutatedInput } from './model-inputs.js';

/** Schedule bodies near the valid shape, with one member possibly broken or of the wrong type. */
const expression = fc.oneof(
  fc.constantFrom('rate(5 minutes)', 'rate(1 minute)', 'cron(0 9 ? * MON-FRI *)', 'cron(0 9 L * ? *)', 'at(2027-01-01T00:00:00)'),
  fc.string({ maxLength: 40 }).map((body) => `cron(${body})`),
  fc.string({ maxLength: 300 }),
);
const target = fc.record(
  {
    Arn: fc.constantFrom('arn:aws:sqs:us-east-1:000000000000:fuzz-queue', 'arn:aws:events:us-east-1:000000000000:event-bus/default', 'x'),
    RoleArn: fc.constantFrom('arn:aws:iam::000000000000:role/r', ''),
    Input: fc.string({ maxLength: 30 }),
    RetryPolicy: fc.record({
      MaximumRetryAttempts: fc.integer({ min: -5, max: 300 }),
      MaximumEventAgeInSeconds: fc.integer({ min: 0, max: 100_000 }),
    }),
    EventBridgeParameters: fc.record({ DetailType: fc.string({ maxLength: 20 }), Source: fc.string({ maxLength: 20 }) }),
  },
  { requiredKeys: [] },
);
const body = fc.record(
  {
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: fc.constantFrom('UTC', 'Europe/Berlin', 'Mars/Olympus', ''),
    FlexibleTimeWindow: fc.record(
      { Mode: fc.constantFrom('OFF', 'FLEXIBLE', 'ON'), MaximumWindowInMinutes: fc.integer({ min: -1, max: 2000 }) },
      { requiredKeys: ['Mode'] },
    ),
    Target: fc.oneof(target, fc.jsonValue({ maxDepth: 2 })),
    State: fc.constantFrom('ENABLED', 'DISABLED', 'PAUSED'),
    StartDate: fc.oneof(fc.integer({ min: 0, max: 4_000_000_000 }), fc.string({ maxLength: 10 })),
    EndDate: fc.integer({ min: 0, max: 4_000_000_000 }),
    GroupName: fc.constantFrom('default', 'nope', 'bad name'),
    ActionAfterCompletion: fc.constantFrom('NONE', 'DELETE', 'LATER'),
  },
  { requiredKeys: [] },
);
const name = fc.oneof(
  fc.constantFrom('fuzz', 'fuzz.1', 'a'.repeat(65)),
  fc.string({ minLength: 1, maxLength: 10 }).map(encodeURIComponent),
);

describe('Scheduler REST API under fuzzed requests', () => {
  const fuzz = useFuzzRuntime();

  it('serves the operations its model names', () => {
    const operations = Object.keys(loadModel('scheduler').operations);
    if (JSON.stringify(operations) !== JSON.stringify(SERVED_OPERATIONS.scheduler)) throw new Error(`model has ${operations.join(', ')}`);
  });

  it('answers every schedule request with a result or a 4xx in the REST-JSON error shape, never a 5xx', async () => {
    const request = fc.tuple(
      fc.constantFrom('POST', 'PUT', 'GET', 'DELETE', 'PATCH'),
      name,
      fc.oneof(body, fc.jsonValue({ maxDepth: 3 })),
      fc.boolean(),
    );
    await assertWithSeeds(
      request,
      async ([method, scheduleName, payload, asText]) => {
        const text = asText ? JSON.stringify(payload) : `${JSON.stringify(payload)}}`;
        const answer = await send(fuzz.url, {
          method,
          path: `/schedules/${scheduleName}?groupName=default`,
          headers: { 'content-type': 'application/json' },
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: text }),
        });
        expectRestJsonAnswer(answer, { method, scheduleName, payload }, undefined);
      },
      60,
    );
  }, 120_000);

  it('answers list requests with fuzzed query strings', async () => {
    const query = fc.record(
      {
        MaxResults: fc.oneof(fc.integer({ min: -1, max: 200 }).map(String), fc.string({ maxLength: 4 })),
        NextToken: fc.string({ maxLength: 6 }),
        State: fc.constantFrom('ENABLED', 'DISABLED', 'ON'),
        NamePrefix: fc.string({ maxLength: 70 }),
        ScheduleGroup: fc.constantFrom('default', 'nope'),
      },
      { requiredKeys: [] },
    );
    await assertWithSeeds(
      fc.tuple(fc.constantFrom('/schedules', '/schedule-groups'), query),
      async ([path, q]) => {
        const answer = await send(fuzz.url, { method: 'GET', path: `${path}?${new URLSearchParams(q as Record<string, string>)}` });
        expectRestJsonAnswer(answer, q, undefined);
      },
      40,
    );
  }, 120_000);
  for (const operation of SERVED_OPERATIONS.scheduler ?? []) {
    it(`answers ${operation} from the model's inputs, one site broken, never with a 5xx nor accepting an input made invalid`, async () => {
      const model = loadModel('scheduler');
      const { http, input: inputShape } = model.operations[operation] ?? { http: { method: 'GET', requestUri: '/' } };
      const members = model.shapes[inputShape ?? '']?.members ?? {};
      await assertWithSeeds(
        mutatedInput(model, operation),
        async ({ input, body: wholeBody, invalid }) => {
          const hasBody = http.method === 'POST' || http.method === 'PUT';
          if (input === null || typeof input !== 'object' || Array.isArray(input)) {
            // A body that is not an object: only requests with a body can carry it.
            if (!hasBody) return;
            const answer = await send(fuzz.url, { method: http.method, path: http.requestUri.replace('{Name}', 'fuzz'), body: wholeBody });
            expectRestJsonAnswer(answer, { operation, input }, invalid);
            return;
          }
          // Every query-string and path value is text: a wrong JSON type there cannot be sent.
          const site = (invalid?.split(':')[0] ?? '').split('.')[0] ?? '';
          if (members[site]?.location !== undefined && invalid?.includes('wrong type')) return;
          const values = { ...(input as Record<string, unknown>) };
          const name = values.Name;
          // A request without its path label cannot be sent (the SDK refuses to build it).
          if (http.requestUri.includes('{Name}') && (typeof name !== 'string' || name === '')) return;
          const query = new URLSearchParams();
          const body: Record<string, unknown> = {};
          for (const [member, value] of Object.entries(values)) {
            const ref = members[member];
            if (ref?.location === 'uri') continue;
            if (ref?.location === 'querystring')
              query.set(ref.locationName ?? member, typeof value === 'string' ? value : JSON.stringify(value));
            else body[member] = value;
          }
          const path = http.requestUri.replace('{Name}', encodeURIComponent(String(name)));
          const answer = await send(fuzz.url, {
            method: http.method,
            path: `${path}${query.size > 0 ? `?${query}` : ''}`,
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

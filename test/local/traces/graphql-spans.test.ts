import { describe, expect, it } from 'vitest';
import { RuntimeSpans } from '../../../local/traces/runtime-spans.js';
import { type SpanSink, SpanWriter } from '../../../local/traces/span-writer.js';
import { spansOfOtlpJson } from '../../helpers/otlp-spans.js';

const ROOT = '1-4bf92f35-77b34da6a3ce929d0e0e4736';
const CALLER = '00f067aa0ba902b7';
const OWN = '53995c3f42cd8ad8';

/** The spans a GraphQL request's note makes, read back as OTLP/JSON. */
function spansOfNote(note: Parameters<RuntimeSpans['graphqlRequest']>[0]) {
  const exports: unknown[] = [];
  const sink: SpanSink = (batch) => exports.push(batch.data());
  const writer = new SpanWriter(sink, 'eu-west-1', () => {});
  new RuntimeSpans(writer).graphqlRequest(note);
  writer.flush();
  return spansOfOtlpJson(...exports);
}

const note = {
  api: { id: 'abcdefghijklmnopqrstuvwxyz', name: 'notes', arn: 'arn:aws:appsync:eu-west-1:000000000000:apis/abcdefghijklmnopqrstuvwxyz' },
  requestId: 'e1f7c0de-0000-4000-8000-000000000001',
  operation: { type: 'mutation' as const, fields: ['Mutation.putNote'] },
  authMode: 'AMAZON_COGNITO_USER_POOLS',
  caller: { id: '8f0c1d2e-3a4b-4c5d-9e6f-7a8b9c0d1e2f', name: 'ada' },
  traceHeader: `Root=${ROOT};Parent=${OWN};Sampled=1`,
  startedWith: `Root=${ROOT};Parent=${CALLER};Sampled=1`,
  startedAt: 1_000,
  endedAt: 1_040,
};

describe('RuntimeSpans.graphqlRequest', () => {
  it("writes a server span for the request, under its caller's segment, with its operation and who asked", () => {
    const [span, ...rest] = spansOfNote(note);
    expect(rest).toEqual([]);
    expect(span).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: OWN,
      parentSpanId: CALLER,
      name: 'graphql Mutation.putNote',
      kind: 2,
      resource: expect.objectContaining({ 'service.name': 'AppSync' }),
      attributes: expect.objectContaining({
        'aws.appsync.api.name': 'notes',
        'aws.appsync.auth_mode': 'AMAZON_COGNITO_USER_POOLS',
        'graphql.operation.type': 'mutation',
        'enduser.id': '8f0c1d2e-3a4b-4c5d-9e6f-7a8b9c0d1e2f',
        'switchyard.enduser.name': 'ada',
        'aws.request_id': note.requestId,
      }),
    });
  });

  it('names the span by the operation name when it has one, and marks it ERROR with the first error', () => {
    const [span] = spansOfNote({
      ...note,
      operation: { type: 'query', name: 'Mine', fields: ['Query.a', 'Query.b'] },
      errors: [{ errorType: 'Lambda:Unhandled', message: 'it failed' }, { message: 'and so did this' }],
    });
    expect(span).toMatchObject({ name: 'graphql Mine', status: { code: 2, message: 'Lambda:Unhandled: it failed' } });
    expect(span?.attributes['switchyard.graphql.errors']).toBe(2);
  });

  it("records nothing of a request whose caller's header says not to sample it", () => {
    expect(spansOfNote({ ...note, traceHeader: `Root=${ROOT};Parent=${OWN};Sampled=0` })).toEqual([]);
  });
});

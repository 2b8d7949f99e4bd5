import { describe, expect, it } from 'vitest';
import { compileModel } from '../../../local/apigateway/rest-api-model.js';
import { expectEachRefused, restApiWith } from './rest-api-fixture.js';

const model = (schema: unknown, name = 'Order') => ({
  Type: 'AWS::ApiGateway::Model',
  Properties: { RestApiId: { Ref: 'Api' }, Name: name, ContentType: 'application/json', Schema: schema },
});
const validator = (body: boolean, parameters: boolean) => ({
  Type: 'AWS::ApiGateway::RequestValidator',
  Properties: { RestApiId: { Ref: 'Api' }, ValidateRequestBody: body, ValidateRequestParameters: parameters },
});
const orderSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  required: ['sku', 'quantity'],
  properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' }, quantity: { type: 'integer', minimum: 1 } },
  additionalProperties: false,
};
const json = { 'content-type': 'application/json' };

describe('RestApiService request validation', () => {
  const validated = (body: boolean, parameters: boolean, schema: unknown = orderSchema) =>
    restApiWith(
      {
        RequestValidatorId: { Ref: 'Validator' },
        RequestModels: { 'application/json': { Ref: 'OrderModel' } },
        RequestParameters: {
          'method.request.querystring.tenant': true,
          'method.request.querystring.optional': false,
          'method.request.header.X-Trace': true,
        },
      },
      { Validator: validator(body, parameters), OrderModel: model(schema) },
    );

  it('passes a request with a valid body and the required parameters to the integration', async () => {
    const { send, invocations, warnings } = validated(true, true);
    const answer = await send({ body: '{"sku":"ABC-1","quantity":2}', headers: { ...json, 'x-trace': 't' }, query: 'tenant=a' });
    expect(answer.status).toBe(200);
    expect(invocations).toHaveLength(1);
    expect(warnings.filter((w) => /valid/.test(w))).toEqual([]);
  });

  it('answers 400 Invalid request body, without reaching the integration, when the body breaks the model', async () => {
    const bodies = [
      '{"sku":"ABC-1"}',
      '{"sku":"abc","quantity":2}',
      '{"sku":"ABC-1","quantity":0}',
      '{"sku":"ABC-1","quantity":1,"x":1}',
      'not json',
      '',
    ];
    await expectEachRefused(
      validated(true, false),
      bodies.map((body) => ({ body, headers: json })),
      { status: 400, message: 'Invalid request body', errorType: 'BadRequestException' },
    );
  });

  it('reads a request without Content-Type against the application/json model', async () => {
    const { send } = validated(true, false);
    expect((await send({ body: '{"sku":"ABC-1"}' })).status).toBe(400);
  });

  it('answers 400 naming the missing required parameters, a blank one included', async () => {
    const { send, invocations } = validated(false, true);
    const answer = await send({ body: 'anything', query: 'tenant=&optional=1' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ message: 'Missing required request parameters: [tenant, X-Trace]' });
    expect(invocations).toHaveLength(0);
  });

  it('checks only what the validator asks for', async () => {
    const bodyOnly = validated(true, false);
    expect((await bodyOnly.send({ body: '{"sku":"ABC-1","quantity":2}', headers: json })).status).toBe(200);
    const parametersOnly = validated(false, true);
    expect((await parametersOnly.send({ body: 'not json', headers: { ...json, 'x-trace': 't' }, query: 'tenant=a' })).status).toBe(200);
  });

  it('names at start-up the model keywords it does not check, and no longer says validation is not run', () => {
    const { warnings } = validated(true, true, { ...orderSchema, properties: { sku: { type: 'string', format: 'uuid' } } });
    expect(warnings).toEqual([
      expect.stringMatching(/request model Order: the keywords format are not checked locally; the rest of the model is \(POST \/\{id\}\)/),
    ]);
  });
});

describe('compileModel', () => {
  it('applies draft 4 exclusive bounds, enums, arrays and combinators', () => {
    const { check, unchecked } = compileModel({
      type: 'object',
      properties: {
        n: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10 },
        tags: { type: 'array', items: { enum: ['a', 'b'] }, minItems: 1, uniqueItems: true },
        name: { type: ['string', 'null'], minLength: 2, maxLength: 3 },
        either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      },
    });
    expect(unchecked).toEqual([]);
    expect(check({ n: 10, tags: ['a'], name: null, either: 3 })).toBe(true);
    expect(check({ n: 0 })).toBe(false);
    expect(check({ n: 11 })).toBe(false);
    expect(check({ tags: [] })).toBe(false);
    expect(check({ tags: ['a', 'a'] })).toBe(false);
    expect(check({ tags: ['c'] })).toBe(false);
    expect(check({ name: 'abcd' })).toBe(false);
    expect(check({ name: 'ab' })).toBe(true);
    expect(check({ either: 1.5 })).toBe(false);
  });

  it('names the keywords it does not apply, and still applies the rest', () => {
    const { check, unchecked } = compileModel({
      type: 'object',
      properties: { a: { $ref: '#/definitions/x' }, b: { format: 'email', type: 'string' } },
    });
    expect(unchecked).toEqual(['$ref', 'format']);
    expect(check({ a: 1, b: 'x' })).toBe(true);
    expect(check({ b: 1 })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { SERVICE_INTEGRATIONS, serviceRequestOf } from '../../../local/apigateway/http-api-integrations.js';
import { evaluateMapping, MappingError, type MappingSource, optionalMapping } from '../../../local/apigateway/http-api-mapping.js';

const source: MappingSource = {
  headers: { 'x-tenant': ['acme'], accept: ['a', 'b'] },
  rawQueryString: 'page=2&tag=x&tag=y',
  pathParameters: { id: '42' },
  body: Buffer.from(JSON.stringify({ order: { id: 7, items: [{ sku: 'k1' }] }, note: 'hi' })),
  context: { requestId: 'req-1', identity: { sourceIp: '127.0.0.1' }, authorizer: { user: 'u-1' } },
  stageVariables: { queue: 'q1' },
};

describe('evaluateMapping', () => {
  it('reads headers (any case), query parameters (repeated ones joined), path parameters and the body', () => {
    expect(evaluateMapping('$request.header.X-Tenant', source)).toBe('acme');
    expect(evaluateMapping('$request.header.accept', source)).toBe('a,b');
    expect(evaluateMapping('$request.querystring.tag', source)).toBe('x,y');
    expect(evaluateMapping('$request.path.id', source)).toBe('42');
    expect(evaluateMapping('$request.body.note', source)).toBe('hi');
    expect(evaluateMapping('$request.body.order', source)).toBe('{"id":7,"items":[{"sku":"k1"}]}');
    expect(evaluateMapping('$request.body.order.items[0].sku', source)).toBe('k1');
    expect(evaluateMapping('$request.body', source)).toBe(source.body.toString());
  });

  it('reads context variables and stage variables, and keeps a literal as it is', () => {
    expect(evaluateMapping('$context.requestId', source)).toBe('req-1');
    expect(evaluateMapping('$context.identity.sourceIp', source)).toBe('127.0.0.1');
    expect(evaluateMapping('$context.authorizer.user', source)).toBe('u-1');
    expect(evaluateMapping('$stageVariables.queue', source)).toBe('q1');
    expect(evaluateMapping('https://sqs.example/q', source)).toBe('https://sqs.example/q');
  });

  it('fills references written inside a literal', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's own ${...} references, not a template literal
    expect(evaluateMapping('order-${request.path.id}-${request.body.order.id} by ${context.authorizer.user}', source)).toBe(
      'order-42-7 by u-1',
    );
  });

  it('fails with MappingError if the request lacks what a mapping names', () => {
    expect(() => evaluateMapping('$request.header.missing', source)).toThrow(MappingError);
    expect(() => evaluateMapping('$request.querystring.none', source)).toThrow(MappingError);
    expect(() => evaluateMapping('$request.body.order.nothing', source)).toThrow(MappingError);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's own ${...} references, not a template literal
    expect(() => evaluateMapping('x-${request.path.nope}', source)).toThrow(MappingError);
  });

  it('fails with MappingError if a body field is read from a body that is not JSON', () => {
    expect(() => evaluateMapping('$request.body.a', { ...source, body: Buffer.from('a=1') })).toThrow(MappingError);
  });

  it('gives an absent or empty identity source as undefined', () => {
    expect(optionalMapping('$request.header.missing', source)).toBeUndefined();
    expect(optionalMapping('$request.header.empty', { ...source, headers: { empty: [''] } })).toBeUndefined();
    expect(optionalMapping('$request.header.x-tenant', source)).toBe('acme');
  });
});

describe('serviceRequestOf', () => {
  it('builds PutEvents as one entry of the JSON protocol, Resources as a list', () => {
    const { target, mapped } = serviceRequestOf(
      'EventBridge-PutEvents',
      { Source: 'shop', DetailType: 'Order', Detail: '$request.body.order', Resources: '["arn:a","arn:b"]', EventBusName: 'bus' },
      source,
      'us-east-1',
    );
    expect(target).toMatchObject({ service: 'events', action: 'PutEvents' });
    expect(JSON.parse(mapped.body)).toEqual({
      Entries: [
        {
          Source: 'shop',
          DetailType: 'Order',
          Detail: '{"id":7,"items":[{"sku":"k1"}]}',
          EventBusName: 'bus',
          Resources: ['arn:a', 'arn:b'],
        },
      ],
    });
  });

  it("builds SendMessage as SQS's query fields in a form body, message attributes numbered", () => {
    const { mapped } = serviceRequestOf(
      'SQS-SendMessage',
      {
        QueueUrl: 'http://q',
        MessageBody: '$request.body.note',
        MessageAttributes: '{"tenant":{"DataType":"String","StringValue":"acme"}}',
      },
      source,
      'us-east-1',
    );
    expect(mapped.headers).toEqual({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(Object.fromEntries(new URLSearchParams(mapped.body))).toEqual({
      QueueUrl: 'http://q',
      MessageBody: 'hi',
      'MessageAttribute.1.Name': 'tenant',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'acme',
    });
  });

  it('builds the Step Functions calls with their camel-case fields', () => {
    const start = serviceRequestOf(
      'StepFunctions-StartExecution',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's own ${...} references, not a template literal
      { StateMachineArn: 'arn:sm', Input: '$request.body', Name: 'n-${request.path.id}' },
      source,
      'r',
    );
    expect(JSON.parse(start.mapped.body)).toEqual({ stateMachineArn: 'arn:sm', name: 'n-42', input: source.body.toString() });
    const stop = serviceRequestOf('StepFunctions-StopExecution', { ExecutionArn: 'arn:ex', Cause: 'c' }, source, 'r');
    expect(JSON.parse(stop.mapped.body)).toEqual({ executionArn: 'arn:ex', cause: 'c' });
  });

  it('knows each subtype the task names', () => {
    expect(Object.keys(SERVICE_INTEGRATIONS).sort()).toEqual(
      [
        'EventBridge-PutEvents',
        'SQS-DeleteMessage',
        'SQS-PurgeQueue',
        'SQS-ReceiveMessage',
        'SQS-SendMessage',
        'StepFunctions-StartExecution',
        'StepFunctions-StartSyncExecution',
        'StepFunctions-StopExecution',
      ].sort(),
    );
  });

  it('fails with MappingError if an attribute parameter is not JSON', () => {
    expect(() => serviceRequestOf('SQS-SendMessage', { QueueUrl: 'q', MessageBody: 'b', MessageAttributes: 'nope' }, source, 'r')).toThrow(
      MappingError,
    );
  });
});

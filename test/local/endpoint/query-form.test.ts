import { describe, expect, it } from 'vitest';
import { ModelQueryProtocol } from '../../../local/endpoint/model-protocols/query-codec.js';
import { FormParams, text } from '../../../local/endpoint/query-form.js';
import type { ApiModel } from '../../../local/endpoint/validation/model.js';
import { SqsQueryProtocol } from '../../../local/sqs/query-protocol.js';
import type { SqsService } from '../../../local/sqs/sqs-service.js';

/** A query model with a wrapped list and map, as SNS's and CloudFormation's are. */
const wrappedModel: ApiModel = {
  botocoreVersion: 'test',
  metadata: { apiVersion: '2020-01-01', protocol: 'query', xmlNamespace: 'http://test/doc/' },
  operations: { Put: { input: 'PutInput', http: { method: 'POST', requestUri: '/' } } },
  shapes: {
    PutInput: { type: 'structure', members: { Names: { shape: 'Names' }, Attributes: { shape: 'Attributes' } } },
    Text: { type: 'string' },
    Names: { type: 'list', member: { shape: 'Text' } },
    Attributes: { type: 'map', key: { shape: 'Text' }, value: { shape: 'Text' } },
  },
};
const wrapped = new ModelQueryProtocol(wrappedModel, { Put: async () => ({}) }, { serviceName: 'Test' });
/** SQS's query edition: its lists and maps flattened. Decoding runs no operation. */
const sqs = new SqsQueryProtocol({} as SqsService);
const form = (pairs: Record<string, string>) => new URLSearchParams(pairs);

describe('FormParams', () => {
  it('reads the dotted keys as a tree, the first value of a key winning', () => {
    const params = FormParams.parse(new URLSearchParams('A.b.1=x&A.b.1=y&A.c=z'));
    expect(params.children.get('A')?.children.get('b')?.children.get('1')?.value).toBe('x');
    expect(params.children.get('A')?.children.get('c')?.value).toBe('z');
  });
});

describe('the query codec reading a form', () => {
  it('reads wrapped lists and maps (SNS, CloudFormation) and flattened ones (SQS) in index order', () => {
    const input = wrapped.decode(
      'Put',
      form({ 'Names.member.2': 'b', 'Names.member.1': 'a', 'Attributes.entry.1.key': 'k', 'Attributes.entry.1.value': 'v' }),
    );
    expect(input.Names).toEqual(['a', 'b']);
    expect(input.Attributes).toEqual({ k: 'v' });
    expect(sqs.decode('GetQueueAttributes', form({ 'AttributeName.2': 'b', 'AttributeName.1': 'a' })).AttributeNames).toEqual(['a', 'b']);
    expect(sqs.decode('SetQueueAttributes', form({ 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '5' })).Attributes).toEqual({
      DelaySeconds: '5',
    });
  });

  it("reads a message attribute's list values, and keeps `__proto__` an ordinary key", () => {
    const sent = sqs.decode(
      'SendMessage',
      form({
        'MessageAttribute.1.Name': 'colors',
        'MessageAttribute.1.Value.DataType': 'String.Array',
        'MessageAttribute.1.Value.StringListValue.1': 'red',
      }),
    );
    expect(sent.MessageAttributes).toEqual({ colors: { DataType: 'String.Array', StringListValues: ['red'] } });
    const tags = sqs.decode('CreateQueue', form({ 'Tag.1.Key': '__proto__', 'Tag.1.Value': 'x' })).tags;
    expect(Object.keys(tags ?? {})).toEqual(['__proto__']);
  });

  it('gives an integer as a number and anything else as the text, for the operation to refuse in its own words', () => {
    const input = sqs.decode('ReceiveMessage', form({ MaxNumberOfMessages: ' 10 ', WaitTimeSeconds: 'abc' }));
    expect(input.MaxNumberOfMessages).toBe(10);
    expect(input.WaitTimeSeconds).toBe('abc');
    expect(input.VisibilityTimeout).toBeUndefined();
  });
});

describe('text', () => {
  it('escapes as the service escapes: numeric entities by default, named ones for SQS', () => {
    expect(text('Body', 'a<b\r')).toBe('<Body>a&#60;b&#13;</Body>');
    expect(text('Body', 'a<b\r', { entities: 'named', carriageReturn: true })).toBe('<Body>a&lt;b&#xD;</Body>');
  });
});

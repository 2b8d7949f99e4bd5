import { describe, expect, it } from 'vitest';
import { FormParams, text } from '../../../local/endpoint/query-form.js';

const parse = (pairs: Record<string, string>) => FormParams.parse(new URLSearchParams(pairs));

describe('FormParams', () => {
  it('reads wrapped lists and maps (SNS, CloudFormation) and flattened ones (SQS) in index order', () => {
    const wrapped = parse({ 'Names.member.2': 'b', 'Names.member.1': 'a', 'Attributes.entry.1.key': 'k', 'Attributes.entry.1.value': 'v' });
    expect(wrapped.strings('Names')).toEqual(['a', 'b']);
    expect(wrapped.map('Attributes')).toEqual({ k: 'v' });
    const flat = parse({ 'AttributeName.2': 'b', 'AttributeName.1': 'a', 'Attribute.1.Name': 'DelaySeconds', 'Attribute.1.Value': '5' });
    expect(flat.strings('AttributeName', 'flattened')).toEqual(['a', 'b']);
    expect(flat.map('Attribute', { wrapper: 'flattened', key: 'Name', value: 'Value' })).toEqual({ DelaySeconds: '5' });
  });

  it("reads a message attribute's list values, and keeps `__proto__` an ordinary key", () => {
    const form = parse({
      'MessageAttribute.1.Name': 'colors',
      'MessageAttribute.1.Value.DataType': 'String.Array',
      'MessageAttribute.1.Value.StringListValue.1': 'red',
      'Tag.1.Key': '__proto__',
      'Tag.1.Value': 'x',
    });
    expect(form.messageAttributes('MessageAttribute', 'flattened')).toEqual({
      colors: { DataType: 'String.Array', StringListValues: ['red'] },
    });
    const tags = form.map('Tag', { wrapper: 'flattened', key: 'Key', value: 'Value' });
    expect(Object.keys(tags ?? {})).toEqual(['__proto__']);
  });

  it('gives an integer as a number and anything else as the text, for the operation to refuse in its own words', () => {
    const form = parse({ MaxResults: ' 10 ', WaitTimeSeconds: 'abc' });
    expect(form.integer('MaxResults')).toBe(10);
    expect(form.integer('WaitTimeSeconds')).toBe('abc');
    expect(form.integer('Missing')).toBeUndefined();
  });
});

describe('text', () => {
  it('escapes as the service escapes: numeric entities by default, named ones for SQS', () => {
    expect(text('Body', 'a<b\r')).toBe('<Body>a&#60;b&#13;</Body>');
    expect(text('Body', 'a<b\r', { entities: 'named', carriageReturn: true })).toBe('<Body>a&lt;b&#xD;</Body>');
  });
});

import { describe, expect, it } from 'vitest';
import { vtlInput } from '../../../local/apigateway/vtl/input.js';
import { renderTargetInput } from '../../../local/events/input-transform.js';
import { compilePath, JsonPathSyntaxError } from '../../../local/json/jsonpath.js';

const doc = {
  items: [
    { name: 'a', price: 5 },
    { name: 'b', price: 20 },
  ],
  detail: { 'instance-id': 'i-1', nested: { name: 'deep' } },
};

describe('compilePath', () => {
  it('reads Jayway’s whole syntax by default, as Step Functions does', () => {
    expect(compilePath('$.items[-1].name').evaluate(doc)).toBe('b');
    expect(compilePath('$.items[?(@.price < 10)].name').evaluate(doc)).toEqual(['a']);
    expect(compilePath('$..name').evaluate(doc)).toEqual(['a', 'b', 'deep']);
    expect(compilePath('$.items.length()').evaluate(doc)).toBe(2);
    expect(compilePath("$.items[0]['name','price']").evaluate(doc)).toEqual(['a', 5]);
  });

  it('reads a bracket after a dot as the bracket alone, as Jayway’s readDotToken does', () => {
    expect(compilePath('$.[0].body').evaluate([{ body: 'first' }])).toBe('first');
    expect(compilePath('$.items.[1].name').evaluate(doc)).toBe('b');
    expect(compilePath("$.detail.['instance-id']").normalized).toBe("$['detail']['instance-id']");
  });

  it('fails if a path does not start with $, unless the service reads it from the root (implicitRoot)', () => {
    expect(() => compilePath('items[0].name')).toThrow(JsonPathSyntaxError);
    expect(compilePath('items[0].name', { implicitRoot: true }).evaluate(doc)).toBe('a');
  });

  it('fails if a path of the basic subset has a filter, a deep scan, a union, a slice or a function', () => {
    for (const path of ['$.items[?(@.price < 10)]', '$..name', "$.items[0]['name','price']", '$.items[0:1]', '$.a[']) {
      expect(() => compilePath(path, { basic: true }), path).toThrow(JsonPathSyntaxError);
    }
    expect(compilePath('$.items.length()', { basic: true }).evaluate({ items: { 'length()': 'a name' } })).toBe('a name');
  });

  it('reads names, indexes and wildcards alike in the basic subset', () => {
    expect(compilePath('$.detail.instance-id', { basic: true }).evaluate(doc)).toBe('i-1');
    expect(compilePath("$['detail']['instance-id']", { basic: true }).evaluate(doc)).toBe('i-1');
    expect(compilePath('$.items[*].name', { basic: true }).evaluate(doc)).toEqual(['a', 'b']);
    expect(compilePath('$.items.*.price', { basic: true }).evaluate(doc)).toEqual([5, 20]);
  });

  it('keeps a path compiled with one service’s options apart from the same path compiled with another’s', () => {
    expect(compilePath('$.items.length()').evaluate(doc)).toBe(2);
    expect(compilePath('$.items.length()', { basic: true }).evaluate(doc)).toBeUndefined();
    expect(compilePath('$.items.length()').evaluate(doc)).toBe(2);
  });
});

describe('the services’ JSONPath', () => {
  it('selects nothing in EventBridge for a path outside its documented subset', () => {
    expect(renderTargetInput(doc, { InputPath: '$..name' })).toBe('null');
    expect(renderTargetInput(doc, { InputTransformer: { InputTemplate: '"<n>"', InputPathsMap: { n: '$.items[?(@.price < 10)]' } } })).toBe(
      '""',
    );
  });

  it('reads API Gateway’s $input.path with Jayway’s syntax, from the root when the path has no $', () => {
    const input = vtlInput(JSON.stringify(doc), { path: {}, querystring: {}, header: {} });
    expect(input.path('$.items[-1].name')).toBe('b');
    expect(input.path('$.items[?(@.price < 10)].name')).toEqual(['a']);
    expect(input.path('items[0].name')).toBe('a');
    expect(input.json('$.items.length()')).toBe('2');
  });
});

import { describe, expect, it } from 'vitest';
import { MappingTemplateError, renderTemplate, type TemplateVariables } from '../../../../local/apigateway/vtl/engine.js';

const NO_PARAMETERS = { path: {}, querystring: {}, header: {} };

function render(template: string, variables: Partial<TemplateVariables> = {}): string {
  return renderTemplate(template, { body: '', parameters: NO_PARAMETERS, context: {}, stageVariables: {}, ...variables }).output;
}

/** The pets the API Gateway tutorial's integration answers (models-mappings.md, "Mapping template transformations"). */
const PETS = JSON.stringify([
  { id: 1, type: 'dog', price: 249.99 },
  { id: 2, type: 'cat', price: 124.99 },
  { id: 3, type: 'fish', price: 0.99 },
]);

describe('renderTemplate', () => {
  it('maps each element of a body array with #foreach, as the tutorial documents', () => {
    const template = [
      "#set($inputRoot = $input.path('$'))",
      '[',
      '#foreach($elem in $inputRoot)',
      '  {',
      '    "description" : "Item $elem.id is a $elem.type.",',
      '    "askingPrice" : $elem.price',
      '  }#if($foreach.hasNext),#end',
      '',
      '#end',
      ']',
    ].join('\n');
    expect(JSON.parse(render(template, { body: PETS }))).toEqual([
      { description: 'Item 1 is a dog.', askingPrice: 249.99 },
      { description: 'Item 2 is a cat.', askingPrice: 124.99 },
      { description: 'Item 3 is a fish.', askingPrice: 0.99 },
    ]);
  });

  it('reads a query parameter and the whole body with $input.params and $input.json, as the reference documents', () => {
    const template = '{\n    "name" : "$input.params(\'name\')",\n    "body" : $input.json(\'$\') \n}';
    const out = render(template, { body: '{"mykey":{"a":1}}', parameters: { ...NO_PARAMETERS, querystring: { name: 'fido' } } });
    expect(JSON.parse(out)).toEqual({ name: 'fido', body: { mykey: { a: 1 } } });
    const sub = render('{ "body" : $input.json(\'$.mykey\') }', { body: '{"mykey":{"a":1}}' });
    expect(JSON.parse(sub)).toEqual({ body: { a: 1 } });
  });

  it('gives the path parameter, the size of a map and the JSON of a subtree, as the reference example /things/{id} documents', () => {
    const template =
      '{\n    "id" : "$input.params(\'id\')",\n    "count" : "$input.path(\'$.things\').size()",\n    "things" : $input.json(\'$.things\')\n}';
    const body = '{"things":{"1":{},"2":{},"3":{}}}';
    const out = render(template, { body, parameters: { ...NO_PARAMETERS, path: { id: 'abc' } } });
    expect(JSON.parse(out)).toEqual({ id: 'abc', count: '3', things: { '1': {}, '2': {}, '3': {} } });
  });

  it("counts a list with size(), as the reference documents for $input.path('$.pets')", () => {
    expect(render("$input.path('$.pets').size()", { body: JSON.stringify({ pets: JSON.parse(PETS) }) })).toBe('3');
  });

  it('walks the object $util.parseJson gives, as the reference documents', () => {
    const body = JSON.stringify({ errorMessage: JSON.stringify({ key1: 'var1', key2: { arr: [1, 2, 3] } }) });
    const template =
      '#set ($errorMessageObj = $util.parseJson($input.path(\'$.errorMessage\')))\n{\n   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]\n}';
    expect(JSON.parse(render(template, { body }))).toEqual({ errorMessageObjKey2ArrVal: 1 });
  });

  it("turns single quotes into \\' with $util.escapeJavaScript, and back with the reference's replaceAll", () => {
    const body = JSON.stringify({ data: 'it\'s "so"' });
    expect(render("$util.escapeJavaScript($input.path('$.data'))", { body })).toBe('it\\\'s \\"so\\"');
    expect(render('$util.escapeJavaScript($input.path(\'$.data\')).replaceAll("\\\\\'","\'")', { body })).toBe('it\'s \\"so\\"');
  });

  it("passes every parameter through with the reference's $input.params() template", () => {
    const template = [
      '#set($allParams = $input.params())',
      '{',
      '  "params" : {',
      '    #foreach($type in $allParams.keySet())',
      '    #set($params = $allParams.get($type))',
      '    "$type" : {',
      '      #foreach($paramName in $params.keySet())',
      '      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"',
      '      #if($foreach.hasNext),#end',
      '      #end',
      '    }',
      '    #if($foreach.hasNext),#end',
      '    #end',
      '  }',
      '}',
    ].join('\n');
    const parameters = { path: { id: '7' }, querystring: { q: 'a b', r: 'x' }, header: { 'User-Agent': 'curl/8' } };
    expect(JSON.parse(render(template, { parameters }))).toEqual({
      params: { path: { id: '7' }, querystring: { q: 'a b', r: 'x' }, header: { 'User-Agent': 'curl/8' } },
    });
  });

  it("writes $context variables, as the reference's $context example documents", () => {
    const template =
      '{ "stage" : "$context.stage", "request_id" : "$context.requestId", "source_ip" : "$context.identity.sourceIp", "api_key" : "$context.identity.apiKey" }';
    const context = { stage: 'prod', requestId: 'abcdefg-000-000-0000-abcdefg', identity: { sourceIp: '192.0.2.1' } };
    expect(JSON.parse(render(template, { context }))).toEqual({
      stage: 'prod',
      request_id: 'abcdefg-000-000-0000-abcdefg',
      source_ip: '192.0.2.1',
      api_key: '',
    });
  });

  it('reads stage variables in each of the three documented forms', () => {
    const stageVariables = { color: 'blue' };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: `${...}` is Velocity's formal reference, not a JavaScript placeholder
    expect(render("$stageVariables.color $stageVariables['color'] ${stageVariables['color']}", { stageVariables })).toBe('blue blue blue');
  });

  it('encodes with $util.urlEncode, base64Encode and back', () => {
    expect(render('$util.urlEncode("a b&c=d/é~")')).toBe('a+b%26c%3Dd%2F%C3%A9%7E');
    expect(render('$util.urlDecode("a+b%26c")')).toBe('a b&c');
    expect(render('$util.base64Encode("hello world")')).toBe('aGVsbG8gd29ybGQ=');
    expect(render('$util.base64Decode("aGVsbG8gd29ybGQ=")')).toBe('hello world');
  });

  it('sets the response overrides a template asks for', () => {
    const { overrides } = renderTemplate(
      '#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Tea = "yes")',
      {
        body: '',
        parameters: NO_PARAMETERS,
        context: {},
        stageVariables: {},
      },
    );
    expect(overrides).toEqual({ status: 418, headers: { 'X-Tea': 'yes' }, request: { header: {}, path: {}, querystring: {} } });
  });

  it("fails if the template does not parse, with a MappingTemplateError that has the parser's message", () => {
    expect(() => render('#if($input.body')).toThrow(MappingTemplateError);
    try {
      render('#if($input.body');
    } catch (error) {
      expect((error as Error).name).toBe('MappingTemplateError');
      expect((error as Error).message).toMatch(/does not parse: Parse error on line 1/);
      expect((error as Error).cause).toBeDefined();
    }
  });
});

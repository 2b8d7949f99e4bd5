import { describe, expect, it } from 'vitest';
import { AppSyncResolverError } from '../../../local/appsync/errors.js';
import type { AppSyncJsContext } from '../../../local/appsync/resolvers/appsync-js.js';
import { renderAppSyncTemplate } from '../../../local/appsync/vtl.js';

const NOW = Date.parse('2026-11-27T12:34:56.789Z');

function ctx(args: Record<string, unknown> = {}): AppSyncJsContext {
  return {
    arguments: args,
    args,
    source: null,
    identity: { sub: 'u1', username: 'ada' },
    stash: {},
    prev: { result: null },
    request: { headers: { 'x-trace': 't1' }, domainName: null },
    info: { fieldName: 'getNote', parentTypeName: 'Query', variables: {}, selectionSetList: ['id'], selectionSetGraphQL: '{ id }' },
    result: null,
    error: null,
  };
}

const render = (template: string, context = ctx()) =>
  renderAppSyncTemplate(template, context, { now: () => NOW, authType: 'API Key Authorization' });

describe('AppSync VTL templates', () => {
  it("writes DynamoDB's typed JSON with $util.dynamodb, from $ctx.args and $context.arguments alike", () => {
    const out = render(
      '{"key":{"id":$util.dynamodb.toDynamoDBJson($ctx.args.id)},"values":$util.dynamodb.toMapValuesJson({"n":$context.arguments.n,"tags":["a"],"ok":true})}',
      ctx({ id: 'x1', n: 3 }),
    );
    expect(out.value).toEqual({ key: { id: { S: 'x1' } }, values: { n: { N: '3' }, tags: { L: [{ S: 'a' }] }, ok: { BOOL: true } } });
  });

  it('reads $util.time from the runtime clock, $util.authType, the identity, the headers and info', () => {
    const out = render(
      '{"iso":"$util.time.nowISO8601()","s":$util.time.nowEpochSeconds(),"day":"$util.time.nowFormatted(\'yyyy-MM-dd\')","auth":"$util.authType()","who":"$ctx.identity.username","trace":"$ctx.request.headers.get(\'x-trace\')","field":"$ctx.info.parentTypeName.$ctx.info.fieldName"}',
    );
    expect(out.value).toEqual({
      iso: '2026-11-27T12:34:56.789Z',
      s: Math.floor(NOW / 1000),
      day: '2026-11-27',
      auth: 'API Key Authorization',
      who: 'ada',
      trace: 't1',
      field: 'Query.getNote',
    });
  });

  it('returns early with #return, with its value or without one, and keeps what the stash was given', () => {
    const context = ctx();
    const out = render('$util.qr($ctx.stash.put("seen", true))#if(true)#return({"early": 1})#end{"late": 2}', context);
    expect(out).toEqual({ value: { early: 1 }, earlyReturn: true, errors: [] });
    expect(context.stash).toEqual({ seen: true });
    expect(render('#return\n{"late": 2}')).toEqual({ value: null, earlyReturn: true, errors: [] });
  });

  it('collects $util.appendError without ending the template', () => {
    const out = render('$util.appendError("half done", "Partial")\n{"ok": true}');
    expect(out).toEqual({
      value: { ok: true },
      earlyReturn: false,
      errors: [{ message: 'half done', errorType: 'Partial', data: null, errorInfo: null }],
    });
  });

  it('fails with $util.error as written: its message, type, data and info untouched by the engine', () => {
    let thrown: unknown;
    try {
      render('#set($x = 1)\n$util.error("No note x1", "NotFound", {"id": "x1"})');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppSyncResolverError);
    expect(thrown).toMatchObject({
      name: 'AppSyncResolverError',
      message: 'No note x1',
      errorType: 'NotFound',
      data: { id: 'x1' },
      errorInfo: null,
    });
  });

  it('fails if a template does not write JSON, with errorType MappingTemplate naming what it wrote', () => {
    expect(() => render('{"a": $ctx.args.missing')).toThrow(
      expect.objectContaining({ errorType: 'MappingTemplate', message: expect.stringContaining('{\\"a\\":') }),
    );
  });

  it("keeps API Gateway's templates rendering on the same engine (no $ctx there)", async () => {
    const { renderTemplate } = await import('../../../local/apigateway/vtl/engine.js');
    const { output } = renderTemplate('{"id": "$input.params(\'id\')", "#return": "stays text"}', {
      body: '',
      parameters: { path: { id: '7' }, querystring: {}, header: {} },
      context: {},
      stageVariables: {},
    });
    expect(JSON.parse(output)).toEqual({ id: '7', '#return': 'stays text' });
  });
});

import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { type AppSyncJsContext, AppSyncResolverError, evaluateAppSyncJs } from '../../../../local/appsync/resolvers/appsync-js.js';

function context(overrides: Partial<AppSyncJsContext> = {}): AppSyncJsContext {
  const args = overrides.arguments ?? { id: 'n-1' };
  return {
    arguments: args,
    args,
    source: null,
    identity: null,
    stash: {},
    prev: { result: null },
    request: { headers: {}, domainName: null },
    info: { fieldName: 'getNote', parentTypeName: 'Query', variables: {}, selectionSetList: ['id'], selectionSetGraphQL: '{ id }' },
    ...overrides,
  };
}

/** What `expect(...).toThrow` cannot say: the error itself. */
function thrownBy(run: () => unknown): AppSyncResolverError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppSyncResolverError);
    return error as AppSyncResolverError;
  }
  throw new Error('expected the evaluation to throw');
}

describe('evaluateAppSyncJs', () => {
  it('builds a GetItem request with the DynamoDB module, as AWS documents get()', () => {
    // https://docs.aws.amazon.com/appsync/latest/devguide/built-in-modules-js.html
    const code = `import { get } from '@aws-appsync/utils/dynamodb';
      export function request(ctx) { return get({ key: { id: ctx.args.id } }); }
      export function response(ctx) { return ctx.result; }`;
    expect(evaluateAppSyncJs(code, 'request', context())).toEqual({
      value: { operation: 'GetItem', key: { id: { S: 'n-1' } } },
      errors: [],
      earlyReturn: false,
    });
  });

  it('builds a PutItem request with an id from util.autoId and the arguments as attribute values', () => {
    const code = `import { util } from '@aws-appsync/utils';
      import * as ddb from '@aws-appsync/utils/dynamodb';
      export function request(ctx) { return ddb.put({ key: { id: util.autoId() }, item: ctx.args, condition: { id: { attributeExists: false } } }); }`;
    const { value } = evaluateAppSyncJs(code, 'request', context({ arguments: { title: 'hi', stars: 3 } }));
    expect(value).toEqual({
      operation: 'PutItem',
      key: { id: { S: expect.stringMatching(/^[0-9a-f-]{36}$/) } },
      attributeValues: { title: { S: 'hi' }, stars: { N: '3' } },
      condition: { expression: 'attribute_not_exists(#id)', expressionNames: { '#id': 'id' }, expressionValues: {} },
    });
  });

  it('builds a Query request with a key condition, a filter, a limit and a next token', () => {
    const code = `import * as ddb from '@aws-appsync/utils/dynamodb';
      export function request(ctx) {
        return ddb.query({ query: { owner: { eq: ctx.args.owner }, createdAt: { beginsWith: '2026' } }, filter: { done: { ne: true } }, limit: 10, nextToken: ctx.args.nextToken, index: 'byOwner' });
      }`;
    const { value } = evaluateAppSyncJs(code, 'request', context({ arguments: { owner: 'ana' } }));
    expect(value).toEqual({
      operation: 'Query',
      query: {
        expression: '(#owner = :owner_eq) AND (begins_with(#createdAt, :createdAt_beginsWith))',
        expressionNames: { '#owner': 'owner', '#createdAt': 'createdAt' },
        expressionValues: { ':owner_eq': { S: 'ana' }, ':createdAt_beginsWith': { S: '2026' } },
      },
      index: 'byOwner',
      limit: 10,
      filter: { expression: '#done <> :done_ne', expressionNames: { '#done': 'done' }, expressionValues: { ':done_ne': { BOOL: true } } },
    });
  });

  it('builds an UpdateItem request from plain values and operations', () => {
    const code = `import { update, operations } from '@aws-appsync/utils/dynamodb';
      export function request(ctx) { return update({ key: { id: 1 }, update: { title: 'New', views: operations.increment(2), draft: operations.remove() } }); }`;
    expect(evaluateAppSyncJs(code, 'request', context()).value).toEqual({
      operation: 'UpdateItem',
      key: { id: { N: '1' } },
      update: {
        expression: 'SET #title = :title, #views = if_not_exists(#views, :__zero) + :views REMOVE #draft',
        expressionNames: { '#title': 'title', '#views': 'views', '#draft': 'draft' },
        expressionValues: { ':title': { S: 'New' }, ':__zero': { N: '0' }, ':views': { N: '2' } },
      },
    });
  });

  it('builds a DeleteItem request with its condition and the versioning options put, remove and update all take', () => {
    const code = `import { remove } from '@aws-appsync/utils/dynamodb';
      export function request(ctx) {
        return remove({ key: { id: ctx.args.id }, condition: { owner: { eq: 'ana' } }, _version: 3, customPartitionKey: 'pk', populateIndexFields: true });
      }`;
    expect(evaluateAppSyncJs(code, 'request', context()).value).toEqual({
      operation: 'DeleteItem',
      key: { id: { S: 'n-1' } },
      condition: {
        expression: '#owner = :owner_eq',
        expressionNames: { '#owner': 'owner' },
        expressionValues: { ':owner_eq': { S: 'ana' } },
      },
      customPartitionKey: 'pk',
      populateIndexFields: true,
      _version: 3,
    });
  });

  it('stops at util.error with its message, errorType, data and errorInfo', () => {
    const code = `import { util } from '@aws-appsync/utils';
      export function request(ctx) { util.error('Not yours', 'Forbidden', { id: ctx.args.id }, { hint: 'ask' }); return { never: true }; }`;
    const error = thrownBy(() => evaluateAppSyncJs(code, 'request', context()));
    expect(error).toMatchObject({
      name: 'AppSyncResolverError',
      message: 'Not yours',
      errorType: 'Forbidden',
      data: { id: 'n-1' },
      errorInfo: { hint: 'ask' },
    });
  });

  it('collects util.appendError and goes on', () => {
    const code = `import { util } from '@aws-appsync/utils';
      export function response(ctx) { util.appendError('partial', 'Partial'); util.appendError('again'); return ctx.result; }`;
    const outcome = evaluateAppSyncJs(code, 'response', context({ result: { id: 'n-1' } }));
    expect(outcome.value).toEqual({ id: 'n-1' });
    expect(outcome.errors).toEqual([
      { message: 'partial', errorType: 'Partial', data: null, errorInfo: null },
      { message: 'again', data: null, errorInfo: null },
    ]);
  });

  it('answers runtime.earlyReturn with its value and earlyReturn true, running nothing after it', () => {
    // https://docs.aws.amazon.com/appsync/latest/devguide/runtime-utils-js.html
    const code = `import { runtime } from '@aws-appsync/utils';
      export function request(ctx) { runtime.earlyReturn({ hello: 'world' }); ctx.stash.after = true; return ctx.args; }`;
    const ctx = context();
    expect(evaluateAppSyncJs(code, 'request', ctx)).toEqual({ value: { hello: 'world' }, errors: [], earlyReturn: true });
    expect(ctx.stash).toEqual({});
  });

  it('keeps the stash between the request and response handlers', () => {
    const code = `export function request(ctx) { ctx.stash.seen = [ctx.args.id]; return {}; }
      export function response(ctx) { ctx.stash.seen.push('response'); return ctx.stash.seen; }`;
    const ctx = context();
    evaluateAppSyncJs(code, 'request', ctx);
    expect(evaluateAppSyncJs(code, 'response', ctx).value).toEqual(['n-1', 'response']);
    expect(ctx.stash).toEqual({ seen: ['n-1', 'response'] });
  });

  it('reads time from the clock it is given', () => {
    const code = `import { util } from '@aws-appsync/utils';
      export function request() { return [util.time.nowISO8601(), util.time.nowEpochSeconds(), util.time.nowFormatted('yyyy-MM-dd'), util.autoUlid().slice(0, 10), util.autoKsuid().length]; }`;
    const now = () => Date.UTC(2030, 0, 2, 3, 4, 5);
    expect(evaluateAppSyncJs(code, 'request', context(), { now }).value).toEqual([
      '2030-01-02T03:04:05.000Z',
      1893553445,
      '2030-01-02',
      '01Q3G99648', // 1893553445000 ms in Crockford's base 32
      27,
    ]);
  });

  it('gives the util library AWS documents: strings, encodings, type checks and DynamoDB conversions', () => {
    const code = `import { util } from '@aws-appsync/utils';
      export function request() {
        return {
          upper: util.str.toUpper('abc'),
          b64: util.base64Encode('hi'),
          back: util.base64Decode('aGk='),
          url: util.urlEncode('a b&c'),
          nulls: [util.isNull(null), util.isNullOrEmpty(''), util.isNullOrBlank('  ')],
          values: util.dynamodb.toMapValues({ n: 1, s: 'x', l: [true] }),
          filter: JSON.parse(util.transform.toDynamoDBFilterExpression({ title: { contains: 'Hello World' } })),
        };
      }`;
    expect(evaluateAppSyncJs(code, 'request', context()).value).toEqual({
      upper: 'ABC',
      b64: 'aGk=',
      back: 'hi',
      url: 'a+b%26c',
      nulls: [true, true, true],
      values: { n: { N: '1' }, s: { S: 'x' }, l: { L: [{ BOOL: true }] } },
      // the example of util.transform's reference
      filter: {
        expression: 'contains(#title, :title_contains)',
        expressionNames: { '#title': 'title' },
        expressionValues: { ':title_contains': { S: 'Hello World' } },
      },
    });
  });

  it('copies request headers and adds response headers as util.http does, refusing restricted names as ResponseHeaderError', () => {
    // https://docs.aws.amazon.com/appsync/latest/devguide/http-helpers-in-utils-http-js.html
    const code = `import { util } from '@aws-appsync/utils';
      export function request(ctx) {
        util.http.addResponseHeader('itemsCount', 7);
        util.http.addResponseHeaders({ render: 'full', 'Content-Type': 'text/plain' });
        return util.http.copyHeaders(ctx.request.headers);
      }`;
    const added: Array<[string, string]> = [];
    const ctx = context({ request: { headers: { host: 'h', 'x-trace': 't', connection: 'close' }, domainName: null } });
    const outcome = evaluateAppSyncJs(code, 'request', ctx, { addResponseHeader: (name, value) => added.push([name, value]) });
    expect(outcome.value).toEqual({ 'x-trace': 't' });
    expect(added).toEqual([
      ['itemsCount', '7'],
      ['render', 'full'],
    ]);
    expect(outcome.errors).toEqual([
      { message: 'the response header "Content-Type" is restricted, empty or has no value', errorType: 'ResponseHeaderError' },
    ]);
  });

  it('fails if util.http.addResponseHeader is called where the caller takes no response headers', () => {
    const code = `import { util } from '@aws-appsync/utils'; export function request() { util.http.addResponseHeader('a', 'b'); return {}; }`;
    expect(thrownBy(() => evaluateAppSyncJs(code, 'request', context())).message).toContain('takes no response headers');
  });

  it('runs a TypeScript resolver as CDK bundles it (esbuild, ES module, @aws-appsync/utils external)', () => {
    const bundled = buildSync({
      stdin: {
        contents: `import { util, type Context } from '@aws-appsync/utils';
          import { get } from '@aws-appsync/utils/dynamodb';
          interface Args { id: string }
          export function request(ctx: Context<Args>) { if (!ctx.args.id) util.error('id is required', 'BadRequest'); return get({ key: { id: ctx.args.id } }); }
          export function response(ctx: Context) { return { ...(ctx.result as object), loadedAt: util.time.nowEpochMilliSeconds() }; }`,
        loader: 'ts',
        resolveDir: process.cwd(),
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'es2020',
      external: ['@aws-appsync/utils'],
    }).outputFiles[0]?.text as string;
    expect(bundled).toContain('from "@aws-appsync/utils"');
    expect(evaluateAppSyncJs(bundled, 'request', context()).value).toEqual({ operation: 'GetItem', key: { id: { S: 'n-1' } } });
    const response = evaluateAppSyncJs(bundled, 'response', context({ result: { id: 'n-1' } }), { now: () => 42 });
    expect(response.value).toEqual({ id: 'n-1', loadedAt: 42 });
    expect(thrownBy(() => evaluateAppSyncJs(bundled, 'request', context({ arguments: {} })))).toMatchObject({ errorType: 'BadRequest' });
  });

  it.each([
    ['process', `export function request() { return process.env; }`],
    ['setTimeout', `export function request() { setTimeout(() => {}, 1); return {}; }`],
  ])('fails if the code reaches for %s, naming what APPSYNC_JS lacks', (name, code) => {
    const error = thrownBy(() => evaluateAppSyncJs(code, 'request', context()));
    expect(error.errorType).toBe('Code');
    expect(error.message).toContain(`ReferenceError: ${name} is not defined`);
    expect(error.message).toContain(`the APPSYNC_JS runtime has no ${name}`);
  });

  it('fails if the code requires a Node.js module', () => {
    const code = `export function request() { return require('fs').readFileSync('/etc/passwd', 'utf8'); }`;
    const error = thrownBy(() => evaluateAppSyncJs(code, 'request', context()));
    expect(error.errorType).toBe('Code');
    expect(error.message).toContain('imports "fs": APPSYNC_JS resolves only @aws-appsync/utils');
  });

  it('fails if the code compiles code from strings', () => {
    const error = thrownBy(() => evaluateAppSyncJs(`export function request() { return eval('1 + 1'); }`, 'request', context()));
    expect(error.message).toContain('no eval or new Function');
  });

  it('fails if the code imports a module APPSYNC_JS does not resolve', () => {
    const error = thrownBy(() =>
      evaluateAppSyncJs(`import _ from 'lodash'; export function request() { return {}; }`, 'request', context()),
    );
    expect(error.message).toContain('imports "lodash"');
    expect(error.message).toContain('@aws-appsync/utils, @aws-appsync/utils/dynamodb');
  });

  it('fails if the code imports @aws-appsync/utils/rds, which does not run locally', () => {
    const code = `import { select } from '@aws-appsync/utils/rds'; export function request() { return select({ table: 't' }); }`;
    expect(thrownBy(() => evaluateAppSyncJs(code, 'request', context())).message).toContain('RDS (Aurora Data API) data sources');
  });

  it('fails if the code does not parse, or has no such handler', () => {
    expect(thrownBy(() => evaluateAppSyncJs('export function request( {', 'request', context())).message).toContain('does not parse');
    const missing = thrownBy(() => evaluateAppSyncJs('export function request() { return {}; }', 'response', context()));
    expect(missing.message).toBe(
      'the APPSYNC_JS response handler of Query.getNote is missing: the code exports request, and APPSYNC_JS calls export function response(ctx)',
    );
  });

  it('fails if a handler throws, with errorType Code and the error in the message', () => {
    const error = thrownBy(() => evaluateAppSyncJs('export function request(ctx) { return ctx.nothing.here; }', 'request', context()));
    expect(error.errorType).toBe('Code');
    expect(error.message).toMatch(/^code\.js: TypeError: Cannot read properties of undefined/);
  });

  it('runs the code in strict mode, as AWS does', () => {
    const error = thrownBy(() => evaluateAppSyncJs('export function request() { leaked = 1; return leaked; }', 'request', context()));
    expect(error.message).toContain('ReferenceError: leaked is not defined');
  });

  it('keeps no module state from one evaluation to the next', () => {
    const code = 'let calls = 0; export function request() { calls += 1; return calls; }';
    expect(evaluateAppSyncJs(code, 'request', context()).value).toBe(1);
    expect(evaluateAppSyncJs(code, 'request', context()).value).toBe(1);
  });
});

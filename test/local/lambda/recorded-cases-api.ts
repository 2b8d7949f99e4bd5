import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetAccountSettingsCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionUrlConfigsCommand,
  ListTagsCommand,
  type LoggingConfig,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  type PutFunctionEventInvokeConfigCommandInput,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { credentials, region } from '../helpers.js';
import { until } from './mapping-replay-fixtures.js';
import { queueArn } from './recorded-cases-mappings.js';
import { tagLifecycle } from './recorded-cases-tags.js';
import { type Answer, ECHO, type Replay, type ReplayContext, sortedBy, zipFunction } from './recorded-replay.js';

/** LocalStack's fixture archives the account's code size is counted in (`functions/echo.zip`, `layers/testlayer.zip`). */
const fixture = (name: string) => readFileSync(new URL(`../../conformance/aws-recorded/lambda/api/fixtures/${name}`, import.meta.url));

/** TotalCodeSize now. */
const totalCodeSize = async (c: ReplayContext) =>
  Number((await c.lambda.send(new GetAccountSettingsCommand({}))).AccountUsage?.TotalCodeSize);

/** test_lambda_eventinvokeconfig_exceptions: each PutFunctionEventInvokeConfig it makes, by its snapshot key, given its functions. */
function invokeConfigPuts(fn: { name: string; arn: string; arn2: string; version: string; alias: string; aliasArn: string }, fake: string) {
  const { name, arn, arn2, version, alias, aliasArn } = fn;
  const retry = { MaximumRetryAttempts: 1 };
  const puts: [string, PutFunctionEventInvokeConfigCommandInput][] = [
    ['put_functionname_name_notfound', { FunctionName: 'doesnotexist', ...retry }],
    ['put_functionname_arn_notfound', { FunctionName: fake, ...retry }],
    ['put_functionname_nootherargs', { FunctionName: 'doesnotexist' }],
    ['put_destination_lambda_doesntexist', { FunctionName: name, DestinationConfig: { OnSuccess: { Destination: fake } } }],
    ['put_destination_recursive', { FunctionName: name, DestinationConfig: { OnSuccess: { Destination: arn } } }],
    ['put_destination_other_lambda', { FunctionName: name, DestinationConfig: { OnSuccess: { Destination: arn2 } } }],
    [
      'put_destination_invalid_service_arn',
      { FunctionName: name, DestinationConfig: { OnSuccess: { Destination: arn.replace(':lambda:', ':iam:') } } },
    ],
    ['put_destination_success_no_destination_arn', { FunctionName: name, DestinationConfig: { OnSuccess: {} } }],
    ['put_destination_failure_no_destination_arn', { FunctionName: name, DestinationConfig: { OnFailure: {} } }],
    [
      'put_destination_invalid_arn_pattern',
      { FunctionName: name, DestinationConfig: { OnFailure: { Destination: arn.replace(':lambda:', ':_-/!lambda:') } } },
    ],
    ['put_destination_latest', { FunctionName: name, ...retry }],
    ['put_destination_latest_explicit_qualifier', { FunctionName: name, Qualifier: '$LATEST', ...retry }],
    ['put_destination_version', { FunctionName: name, Qualifier: version, ...retry }],
    ['put_alias_functionname_qualifier', { FunctionName: name, Qualifier: alias, ...retry }],
    ['put_alias_doesnotexist', { FunctionName: name, Qualifier: `${alias}doesnotexist`, ...retry }],
    ['put_alias_qualifiedarn', { FunctionName: aliasArn, ...retry }],
    ['put_alias_qualifiedarn_qualifier', { FunctionName: aliasArn, Qualifier: alias, ...retry }],
    ['put_alias_qualifiedarn_qualifierconflict', { FunctionName: aliasArn, Qualifier: `${alias}doesnotexist`, ...retry }],
    ['put_alias_shorthand', { FunctionName: `${name}:${alias}`, ...retry }],
    ['put_alias_shorthand_qualifier', { FunctionName: `${name}:${alias}`, Qualifier: alias, ...retry }],
    ['put_alias_shorthand_qualifierconflict', { FunctionName: `${name}:${alias}`, Qualifier: `${alias}doesnotexist`, ...retry }],
    ['put_version_shorthand', { FunctionName: `${name}:${version}`, ...retry }],
    ['put_shorthand_qualifier_match', { FunctionName: `${name}:$LATEST`, Qualifier: '$LATEST', ...retry }],
    ['put_shorthand_qualifier_mismatch_1', { FunctionName: `${name}:${version}`, Qualifier: '$LATEST', ...retry }],
    ['put_shorthand_qualifier_mismatch_2', { FunctionName: `${name}:$LATEST`, Qualifier: version, ...retry }],
    ['put_shorthand_qualifier_mismatch_3', { FunctionName: `${name}:${version}`, Qualifier: alias, ...retry }],
    ['put_maxevent_maxvalue_result', { FunctionName: name, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 }],
    ['put_pre_overwrite', { FunctionName: name, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 }],
    ['put_post_overwrite', { FunctionName: name, MaximumRetryAttempts: 0 }],
    ['second_overwrite_existing_response', { FunctionName: name, MaximumRetryAttempts: 0 }],
  ];
  return puts;
}

async function invokeConfigExceptions(c: ReplayContext): Promise<Answer> {
  const named = async (prefix: string) => {
    const name = c.name(prefix);
    await c.create(name);
    return { name, arn: String((await c.lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.FunctionArn) };
  };
  const first = await named('fn-eventinvoke');
  const second = await named('fn-eventinvoke-2');
  const live: Answer = { fn_version_result: await c.call(new PublishVersionCommand({ FunctionName: first.name })) };
  const version = String((live.fn_version_result as Answer).Version);
  live.fn_alias_result = await c.call(
    new CreateAliasCommand({ FunctionName: first.name, Name: 'eventinvokealias', FunctionVersion: version }),
  );
  const aliasArn = String((live.fn_alias_result as Answer).AliasArn);
  const fake = `arn:aws:lambda:${region}:${c.accountId}:function:doesnotexist`;
  const fn = { ...first, arn2: second.arn, version, alias: 'eventinvokealias', aliasArn };
  for (const [key, input] of invokeConfigPuts(fn, fake)) live[key] = await c.call(new PutFunctionEventInvokeConfigCommand(input));
  live.get_post_overwrite = await c.call(new GetFunctionEventInvokeConfigCommand({ FunctionName: first.name }));
  const put = { FunctionName: first.name, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 };
  live.pre_update_response = await c.call(new PutFunctionEventInvokeConfigCommand(put));
  live.update_response = await c.call(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: first.name, MaximumRetryAttempts: 0 }));
  live.update_response_existing = await c.call(
    new UpdateFunctionEventInvokeConfigCommand({ FunctionName: first.name, MaximumRetryAttempts: 0 }),
  );
  live.list_configs = sortedBy(
    await c.call(new ListFunctionEventInvokeConfigsCommand({ FunctionName: first.name })),
    'FunctionEventInvokeConfigs',
    'FunctionArn',
  );
  const remove = (Qualifier?: string, FunctionName = first.name) =>
    c.call(new DeleteFunctionEventInvokeConfigCommand({ FunctionName, Qualifier }));
  live.delete_latest = await remove('$LATEST');
  live.delete_version = await remove(version);
  live.delete_alias = await remove('eventinvokealias');
  live.list_configs_postdelete = await c.call(new ListFunctionEventInvokeConfigsCommand({ FunctionName: first.name }));
  live.delete_function_not_found = await remove();
  live.delete_function_doesnotexist = await remove(undefined, 'doesnotexist');
  live.list_function_doesnotexist = await c.call(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'doesnotexist' }));
  const get = (FunctionName: string, Qualifier?: string) => c.call(new GetFunctionEventInvokeConfigCommand({ FunctionName, Qualifier }));
  live.get_function_doesnotexist = await get('doesnotexist');
  live.get_qualifier_doesnotexist = await get(first.name, 'doesnotexist');
  const update = (FunctionName: string) => c.call(new UpdateFunctionEventInvokeConfigCommand({ FunctionName, MaximumRetryAttempts: 0 }));
  live.update_eventinvokeconfig_function_doesnotexist = await update('doesnotexist');
  live.get_eventinvokeconfig_doesnotexist = await get(aliasArn);
  live.update_eventinvokeconfig_config_doesnotexist_with_qualifier = await update(aliasArn);
  live.update_eventinvokeconfig_config_doesnotexist_without_qualifier = await update(first.arn);
  return live;
}

/** TestLambdaUrl's function: the Node.js echo handler (`lambda_handler.handler`, nodejs20.x) of the create_lambda_function fixture. */
async function urlFunction(c: ReplayContext): Promise<string> {
  const name = c.name('test-function');
  await c.create(name, {
    Runtime: 'nodejs20.x',
    Handler: 'lambda_handler.handler',
    Code: { ZipFile: c.archive('lambda_handler.js', ECHO['handler.js'] ?? '') },
  });
  return name;
}

/** The function URL operations test_url_config_exceptions calls, by the prefix of its snapshot keys. */
const URL_OPERATIONS: Readonly<Record<string, (input: { FunctionName: string; Qualifier?: string }) => object>> = {
  create_function_url_config: (input) => new CreateFunctionUrlConfigCommand({ ...input, AuthType: 'NONE' }),
  get_function_url_config: (input) => new GetFunctionUrlConfigCommand(input),
  delete_function_url_config: (input) => new DeleteFunctionUrlConfigCommand(input),
  update_function_url_config: (input) => new UpdateFunctionUrlConfigCommand({ ...input, AuthType: 'AWS_IAM' }),
};

async function urlExceptions(c: ReplayContext): Promise<Answer> {
  const name = await urlFunction(c);
  const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const arn = String(fn.Configuration?.FunctionArn);
  const live: Answer = { fn_version_result: await c.call(new PublishVersionCommand({ FunctionName: name })) };
  live.create_alias_result = await c.call(
    new CreateAliasCommand({ FunctionName: name, Name: 'urlalias', FunctionVersion: String((live.fn_version_result as Answer).Version) }),
  );
  const tests: Record<string, { FunctionName: string; Qualifier?: string }> = {
    name_doesnotexist: { FunctionName: 'doesnotexist' },
    arn_doesnotexist: { FunctionName: arn.replace(name, 'doesnotexist') },
    name_doesnotexist_qualifier: { FunctionName: 'doesnotexist', Qualifier: '1' },
    qualifier_version: { FunctionName: name, Qualifier: '1' },
    qualifier_version_doesnotexist: { FunctionName: name, Qualifier: '2' },
    qualifier_alias_doesnotexist: { FunctionName: name, Qualifier: 'v1' },
    qualifier_alias_doesnotmatch_arn: { FunctionName: `${name}:urlalias-doesnotmatch`, Qualifier: 'urlalias' },
    qualifier_latest: { FunctionName: name, Qualifier: '$LATEST' },
  };
  for (const [operation, command] of Object.entries(URL_OPERATIONS)) {
    const cases = operation === 'create_function_url_config' ? tests : { ...tests, config_doesnotexist: { FunctionName: name } };
    for (const [key, input] of Object.entries(cases)) live[`${operation}_${key}`] = await c.call(command(input));
  }
  return live;
}

/** TestLambdaTag's `esm_arn` fixture: a function and an SQS mapping of a new queue to it; the mapping's ARN. */
async function mappingArn(c: ReplayContext, Tags?: Record<string, string>): Promise<{ arn: string; uuid: string }> {
  const name = c.name('fn');
  await c.create(name);
  const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const created = await c.lambda.send(
    new CreateEventSourceMappingCommand({
      EventSourceArn: await queueArn(c),
      FunctionName: String(fn.Configuration?.FunctionArn),
      BatchSize: 1,
      ...(Tags ? { Tags } : {}),
    }),
  );
  return { arn: String(created.EventSourceMappingArn), uuid: String(created.UUID) };
}

/** test_tag_exceptions: each tagging call on a resource of the kind that does not exist, one with a suffix, one of no kind. */
const tagExceptions =
  (kind: 'function' | 'event-source-mapping' | 'capacity-provider'): Replay =>
  async (c) => {
    // The test's `long_uid()`: a UUID.
    const resource = `arn:aws:lambda:${region}:${c.accountId}:${kind}:${randomUUID()}`;
    const parts = resource.split(':');
    parts[parts.length - 2] = 'foobar';
    return {
      not_found_exception_tag: await c.call(new TagResourceCommand({ Resource: resource, Tags: { A: 'B' } })),
      not_found_exception_untag: await c.call(new UntagResourceCommand({ Resource: resource, TagKeys: ['A'] })),
      not_found_exception_list: await c.call(new ListTagsCommand({ Resource: resource })),
      aliased_arn_exception: await c.call(new ListTagsCommand({ Resource: `${resource}:alias` })),
      invalid_arn_exception: await c.call(new ListTagsCommand({ Resource: parts.join(':') })),
    };
  };

/** TestLoggingConfig's function (256 MB, 5 s), created with `LoggingConfig` if given; its create, get and configuration answers. */
async function loggingFunction(c: ReplayContext, live: Answer, LoggingConfig?: LoggingConfig): Promise<string> {
  const name = c.name('fn');
  live.create_response = await c.create(name, { MemorySize: 256, Timeout: 5, ...(LoggingConfig ? { LoggingConfig } : {}) });
  live.get_function_response = await c.call(new GetFunctionCommand({ FunctionName: name }));
  live.function_config = await c.call(new GetFunctionConfigurationCommand({ FunctionName: name }));
  return name;
}

/** UpdateFunctionConfiguration of its LoggingConfig, waited for: the answer, and the configuration after, under `suffix`. */
async function logging(c: ReplayContext, live: Answer, name: string, LoggingConfig: LoggingConfig, suffix = ''): Promise<void> {
  live[`updated_config${suffix}`] = await c.call(new UpdateFunctionConfigurationCommand({ FunctionName: name, LoggingConfig }));
  await c.updated(name);
  live[`received_config${suffix}`] = await c.call(new GetFunctionConfigurationCommand({ FunctionName: name }));
}

const PARTIAL_CONFIGS: readonly LoggingConfig[] = [
  { LogFormat: 'JSON' },
  { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' },
  { LogFormat: 'JSON', SystemLogLevel: 'DEBUG' },
  { LogGroup: 'cool_lambda' },
];

/** More of test_lambda_api.py's tests of the functions' API (their settings, tags, URLs, concurrency), by snapshot key. */
export const API_CASES: Record<string, Replay> = {
  'TestPartialARNMatching::test_update_function_configuration_full_arn': async (c) => {
    const name = c.name('fn');
    const created = (await c.create(name, { MemorySize: 256, Timeout: 5 })) as { CreateFunctionResponse: { FunctionArn: string } };
    const fullArn = created.CreateFunctionResponse.FunctionArn;
    // Nothing is recorded: each update must succeed, by the full ARN, the name and the partial ARN.
    for (const FunctionName of [fullArn, name, fullArn.split(':').slice(-3).join(':')]) {
      await c.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName,
          Description: 'Changed-Description',
          MemorySize: 512,
          Timeout: 10,
          Environment: { Variables: { ENV_A: 'a' } },
        }),
      );
      await c.updated(name);
    }
    return {};
  },
  'TestPartialARNMatching::test_cross_region_arn_function_access': async (c) => {
    const name = c.name('fn');
    const created = (await c.create(name, { MemorySize: 256, Timeout: 5 })) as { CreateFunctionResponse: { FunctionArn: string } };
    // A client of another region reads the function by its full ARN (nothing is recorded: it must succeed).
    const secondary = new LambdaClient({ endpoint: c.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
    try {
      await secondary.send(new GetFunctionCommand({ FunctionName: created.CreateFunctionResponse.FunctionArn }));
    } finally {
      secondary.destroy();
    }
    return {};
  },
  'TestLambdaFunction::test_function_arns': async (c) => {
    const arnOf = (name: string, place = `${region}:${c.accountId}`) => `arn:aws:lambda:${place}:function:${name}`;
    const live: Answer = { 'create-function-arn-response': await c.create(arnOf(c.name('test-function-arn'))) };
    live['create-function-partial-arn-response'] = await c.create(`${c.accountId}:function:${c.name('test-partial-arn')}`);
    // Every name here is refused, so the function never has to become active.
    const create = (FunctionName: string) => zipFunction(c, FunctionName);
    live.invalid_function_name_exc = await create('invalid:function:name');
    live.long_function_name_exc = await create('a'.repeat(65));
    const prefix = arnOf('');
    live.long_function_arn_exc = await create(prefix + 'a'.repeat(140 - prefix.length + 1));
    live.function_arn_other_region_exc = await create(arnOf(c.name('test-function-arn'), `ap-southeast-1:${c.accountId}`));
    live.function_arn_other_account_exc = await create(arnOf(c.name('test-function-arn'), `${region}:123456789012`));
    return live;
  },
  'TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_exceptions': invokeConfigExceptions,
  'TestLambdaEventInvokeConfig::test_lambda_eventinvokeconfig_lifecycle': async (c) => {
    const name = c.name('fn-eventinvoke');
    await c.create(name);
    const put = (input: Omit<PutFunctionEventInvokeConfigCommandInput, 'FunctionName'>) =>
      c.call(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, ...input }));
    const update = (input: Omit<PutFunctionEventInvokeConfigCommandInput, 'FunctionName'>) =>
      c.call(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: name, ...input }));
    const get = (Qualifier?: string) => c.call(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier }));
    const list = (input: { MaxItems?: number; Marker?: string } = {}) =>
      c.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name, ...input }));
    const live: Answer = { put_invokeconfig_retries_0: await put({ MaximumRetryAttempts: 0 }) };
    live.put_invokeconfig_eventage_60 = await put({ MaximumEventAgeInSeconds: 60 });
    live.update_invokeconfig_eventage_nochange = await update({ MaximumEventAgeInSeconds: 60 });
    live.update_invokeconfig_retries = await update({ MaximumRetryAttempts: 1 });
    live.get_invokeconfig = await get();
    live.get_invokeconfig_latest = await get('$LATEST');
    live.list_single_invokeconfig = await c.call(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
    live.publish_version_result = await c.call(new PublishVersionCommand({ FunctionName: name }));
    const version = String((live.publish_version_result as Answer).Version);
    live.get_invokeconfig_postpublish = await get(version);
    live.put_published_invokeconfig = await put({ Qualifier: version, MaximumEventAgeInSeconds: 120 });
    live.get_published_invokeconfig = await get(version);
    // The test's paging is asserted, not recorded: a page of one, then the other after its marker.
    const single = await list({ MaxItems: 1 });
    const remaining = await list({ MaxItems: 1, Marker: single.NextMarker });
    const arns = [single, remaining].flatMap((page) => page.FunctionEventInvokeConfigs?.map((config) => config.FunctionArn) ?? []);
    if (arns.length !== 2 || arns[0] === arns[1]) throw new Error(`paging failed: ${JSON.stringify(arns)}`);
    await c.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name }));
    live.list_paging_nolimit_postdelete = await c.call(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
    return live;
  },
  'TestLambdaAccountSettings::test_account_settings': async (c) => {
    const settings = await c.call(new GetAccountSettingsCommand({}));
    return {
      acc_settings_modded: {
        ...settings,
        AccountLimit: Object.keys(settings.AccountLimit as object).sort(),
        AccountUsage: Object.keys(settings.AccountUsage as object).sort(),
      },
    };
  },
  'TestLambdaAccountSettings::test_account_settings_total_code_size': async (c) => {
    const sizes = [await totalCodeSize(c)];
    const name = c.name('lambda_func');
    const ZipFile = fixture('echo.zip');
    await c.create(name, { Handler: 'index.handler', Code: { ZipFile } });
    sizes.push(await totalCodeSize(c));
    await c.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile, Publish: true }));
    sizes.push(await totalCodeSize(c));
    const LayerName = c.name('testlayer');
    for (let version = 0; version < 2; version++) {
      await c.lambda.send(new PublishLayerVersionCommand({ LayerName, Content: { ZipFile: fixture('testlayer.zip') } }));
      sizes.push(await totalCodeSize(c));
    }
    const diff = (at: number) => Number(sizes[at]) - Number(sizes[at - 1]);
    return {
      total_code_size_diff_create_function: diff(1),
      total_code_size_diff_update_function: diff(2),
      total_code_size_diff_publish_layer: diff(3),
      total_code_size_diff_publish_layer_version: diff(4),
    };
  },
  'TestLambdaAccountSettings::test_account_settings_total_code_size_config_update': async (c) => {
    const before = await totalCodeSize(c);
    const name = c.name('lambda_func');
    await c.create(name, { Runtime: 'nodejs18.x', Code: { ZipFile: c.archive('handler.js', ECHO['handler.js'] ?? '') } });
    const created = await totalCodeSize(c);
    await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: 'nodejs20.x' }));
    await c.updated(name);
    const configured = await totalCodeSize(c);
    await c.lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'actually publish the config update' }));
    const published = await totalCodeSize(c);
    return {
      is_total_code_size_diff_create_function_more_than_200: created - before > 200,
      total_code_size_diff_update_function_configuration: configured - created,
      is_total_code_size_diff_publish_version_after_config_update_more_than_200: published - configured > 200,
    };
  },
  'TestLambdaReservedConcurrency::test_function_concurrency_exceptions': async (c) => {
    const put = (FunctionName: string, ReservedConcurrentExecutions: number) =>
      c.call(new PutFunctionConcurrencyCommand({ FunctionName, ReservedConcurrentExecutions }));
    const live: Answer = {
      put_function_concurrency_with_function_name_doesnotexist: await put('doesnotexist', 1),
      put_function_concurrency_with_function_name_doesnotexist_and_invalid_concurrency: await put('doesnotexist', 0),
    };
    const name = c.name('lambda_func');
    await c.create(name);
    const fn = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: '$LATEST' }));
    live.put_function_concurrency_with_qualified_arn = await put(String(fn.FunctionArn), 0);
    return live;
  },
  'TestLambdaReservedConcurrency::test_function_concurrency_limits': async (c) => {
    const name = c.name('lambda_func');
    await c.create(name);
    const settings = await c.lambda.send(new GetAccountSettingsCommand({}));
    const limit = Number(settings.AccountLimit?.ConcurrentExecutions);
    const put = (ReservedConcurrentExecutions: number) =>
      c.call(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions }));
    return {
      put_function_concurrency_account_limit_exceeded: await put(limit + 1),
      put_function_concurrency_below_unreserved_min_value: await put(limit),
    };
  },
  'TestLambdaReservedConcurrency::test_function_concurrency': async (c) => {
    const name = c.name('lambda_func');
    await c.create(name);
    const put = (ReservedConcurrentExecutions: number) =>
      c.call(new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions }));
    const live: Answer = { put_function_concurrency_with_reserved_0: await put(0), put_function_concurrency_with_reserved_1: await put(1) };
    live.get_function_concurrency = await c.call(new GetFunctionConcurrencyCommand({ FunctionName: name }));
    live.delete_response = await c.call(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    live.get_function_concurrency_after_delete = await c.call(new GetFunctionConcurrencyCommand({ FunctionName: name }));
    // The test's last step is asserted, not recorded: all but the least unreserved (and one more) can be reserved.
    const settings = await c.lambda.send(new GetAccountSettingsCommand({}));
    const most = Number(settings.AccountLimit?.UnreservedConcurrentExecutions) - 101;
    const answered = await put(most);
    if (answered.ReservedConcurrentExecutions !== most) throw new Error(`reserving ${most} answered ${JSON.stringify(answered)}`);
    // The fixture deletes its function after the test: the account's concurrency is free again for the next (provisioned concurrency's limits).
    await c.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    return live;
  },
  'TestLambdaUrl::test_url_config_exceptions': urlExceptions,
  'TestLambdaUrl::test_url_config_list_paging': async (c) => {
    const name = await urlFunction(c);
    const live: Answer = { fn_version_result: await c.call(new PublishVersionCommand({ FunctionName: name })) };
    live.create_alias_result = await c.call(
      new CreateAliasCommand({ FunctionName: name, Name: 'urlalias', FunctionVersion: String((live.fn_version_result as Answer).Version) }),
    );
    live.list_function_notfound = await c.call(new ListFunctionUrlConfigsCommand({ FunctionName: 'doesnotexist' }));
    live.list_all_empty = await c.call(new ListFunctionUrlConfigsCommand({ FunctionName: name }));
    live.url_config_fn = await c.call(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' }));
    live.url_config_alias = await c.call(
      new CreateFunctionUrlConfigCommand({ FunctionName: `${name}:urlalias`, Qualifier: 'urlalias', AuthType: 'NONE' }),
    );
    live.list_all = sortedBy(await c.call(new ListFunctionUrlConfigsCommand({ FunctionName: name })), 'FunctionUrlConfigs', 'FunctionArn');
    // The test's paging is asserted, not recorded: one page of one, then the other after its marker.
    const first = await c.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: name, MaxItems: 1 }));
    const second = await c.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: name, MaxItems: 1, Marker: first.NextMarker }));
    const urls = [first, second].map((page) => page.FunctionUrlConfigs?.map((config) => config.FunctionUrl));
    if (urls[0]?.length !== 1 || urls[1]?.length !== 1 || urls[0][0] === urls[1][0])
      throw new Error(`paging failed: ${JSON.stringify(urls)}`);
    return live;
  },
  'TestLambdaUrl::test_url_config_lifecycle': async (c) => {
    const name = await urlFunction(c);
    const live: Answer = { url_creation: await c.call(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' })) };
    live.failed_duplication = await c.call(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' }));
    live.get_url_config = await c.call(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    live.updated_url_config = await c.call(new UpdateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'AWS_IAM' }));
    await c.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
    live.failed_getter = await c.call(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    return live;
  },
  'TestLambdaUrl::test_url_config_deletion_without_qualifier': async (c) => {
    const name = c.name('alias-fn');
    await zipFunction(c, name, { Environment: { Variables: { testenv: 'staging' } } });
    await c.lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await c.lambda.send(
      new CreateAliasCommand({ FunctionName: name, Name: 'test-alias', FunctionVersion: '1', Description: 'custom-alias' }),
    );
    const live: Answer = { url_creation: await c.call(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' })) };
    live.url_with_alias_creation = await c.call(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', Qualifier: 'test-alias' }),
    );
    live.get_url_config = await c.call(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    live.get_url_config_with_alias = await c.call(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'test-alias' }));
    live.delete_function_url_config = await c.call(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
    live.get_url_config_after_deletion = await c.call(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    live.get_url_config_with_alias_after_deletion = await c.call(
      new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: 'test-alias' }),
    );
    return live;
  },
  'TestLambdaTag::test_create_tag_on_esm_create': async (c) => {
    const { arn, uuid } = await mappingArn(c, { testtag: c.name('tag') });
    await until(async () => (await c.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State !== 'Creating');
    return { get_event_source_mapping_with_tag: true, list_tags_result: await c.call(new ListTagsCommand({ Resource: arn })) };
  },
  'TestLambdaTag::test_tag_lifecycle[event_source_mapping]': async (c) => tagLifecycle(c, (await mappingArn(c)).arn),
  'TestLambdaTag::test_tag_exceptions[lambda_function]': tagExceptions('function'),
  'TestLambdaTag::test_tag_exceptions[event_source_mapping]': tagExceptions('event-source-mapping'),
  'TestLambdaTag::test_tag_exceptions[capacity_provider]': tagExceptions('capacity-provider'),
  'TestLambdaTags::test_tag_exceptions': async (c) => {
    const name = c.name('fn-tag');
    await c.create(name);
    const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: name }));
    const arn = String(fn.Configuration?.FunctionArn);
    const prefix = `arn:aws:lambda:${region}:${c.accountId}:function:`;
    const tags = { key_a: 'value_a' };
    return {
      tag_lambda_invalidarn: await c.call(new TagResourceCommand({ Resource: 'arn:aws:something', Tags: tags })),
      tag_lambda_doesnotexist: await c.call(new TagResourceCommand({ Resource: `${prefix}doesnotexist`, Tags: tags })),
      tag_lambda_qualifier_doesnotexist: await c.call(new TagResourceCommand({ Resource: `${arn}:v1`, Tags: tags })),
      list_tag_lambda_empty: await c.call(new ListTagsCommand({ Resource: arn })),
      untag_nomatch: await c.call(new UntagResourceCommand({ Resource: arn, TagKeys: ['somekey'] })),
      untag_empty_keys: await c.call(new UntagResourceCommand({ Resource: arn, TagKeys: [] })),
      tag_empty_tags: await c.call(new TagResourceCommand({ Resource: arn, Tags: {} })),
    };
  },
  'TestLoggingConfig::test_function_advanced_logging_configuration': async (c) => {
    const live: Answer = {};
    const name = await loggingFunction(c, live, { LogFormat: 'JSON' });
    await logging(c, live, name, { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO', LogGroup: 'cool_lambda' });
    return live;
  },
  'TestLoggingConfig::test_advanced_logging_configuration_format_switch': async (c) => {
    const live: Answer = {};
    const name = await loggingFunction(c, live);
    await logging(c, live, name, { LogFormat: 'JSON' });
    await logging(c, live, name, { LogFormat: 'Text' }, '_v2');
    return live;
  },
  ...Object.fromEntries(
    PARTIAL_CONFIGS.map((config, index) => [
      `TestLoggingConfig::test_function_partial_advanced_logging_configuration_update[partial_config${index}]`,
      async (c: ReplayContext) => {
        const live: Answer = {};
        await logging(c, live, await loggingFunction(c, live), config);
        return live;
      },
    ]),
  ),
  'TestLambdaFunction::test_invalid_invoke': async (c) => ({
    invoke_function_name_pattern_exc: await c.call(
      new InvokeCommand({ FunctionName: `arn:aws:lambda:${region}:123400000000@function:myfn`, Payload: '{}' }),
    ),
  }),
};

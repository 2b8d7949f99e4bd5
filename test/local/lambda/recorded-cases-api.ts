import { randomUUID } from 'node:crypto';
import {
  CreateEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListTagsCommand,
  type LoggingConfig,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import { queueArn, until } from './recorded-cases-mappings.js';
import { tagLifecycle } from './recorded-cases-tags.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

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

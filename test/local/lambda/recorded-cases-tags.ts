import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { invocationWithLogs } from './recorded-cases-python.js';
import { type Answer, ECHO, type Replay, type ReplayContext } from './recorded-replay.js';

const tag = (c: ReplayContext, Resource: string, Tags: Record<string, string>) => c.call(new TagResourceCommand({ Resource, Tags }));
const untag = (c: ReplayContext, Resource: string, TagKeys: string[]) => c.call(new UntagResourceCommand({ Resource, TagKeys }));
const listTags = (c: ReplayContext, Resource: string) => c.call(new ListTagsCommand({ Resource }));

/** The fixture's function, and its ARN as GetFunction answers it. */
async function taggable(c: ReplayContext, prefix: string, Tags?: Record<string, string>): Promise<{ name: string; arn: string }> {
  const name = c.name(prefix);
  await c.create(name, Tags ? { Tags } : {});
  const fn = await c.lambda.send(new GetFunctionCommand({ FunctionName: name }));
  return { name, arn: String(fn.Configuration?.FunctionArn) };
}

/** test_tag_lifecycle: tags added, overlapped and removed on a resource (a function, an event source mapping), listed after each. */
export async function tagLifecycle(c: ReplayContext, arn: string): Promise<Answer> {
  const live: Answer = {};
  const step = async (key: string, change: Promise<Answer>) => {
    live[key] = await change;
    live[`${key}_listtags`] = await listTags(c, arn);
  };
  await step('tag_single_response', tag(c, arn, { A: 'tag-a' }));
  await step('tag_multiple_response', tag(c, arn, { B: 'tag-b', C: 'tag-c' }));
  await step('tag_overlap_response', tag(c, arn, { C: 'tag-c-newsuffix', D: 'tag-d' }));
  await step('untag_single_response', untag(c, arn, ['A']));
  await step('untag_multiple_response', untag(c, arn, ['B', 'C']));
  await step('untag_nonexisting_response', untag(c, arn, ['F']));
  await step('untag_existing_and_nonexisting_response', untag(c, arn, ['D', 'F']));
  return live;
}

/** The Node.js function of test_lambda.py's invocation cases (`lambda_echo.js`, or `lambda_none.js`, which answers nothing). */
/** `lambda_echo.js`: logs the event and answers it. */
const ECHO_JS = 'exports.handler = async function(event, context) {\n\tconsole.log(event);\n\treturn event;\n};\n';
const NONE_JS = 'exports.handler = async function (event) {\n  console.log(JSON.stringify(event));\n};\n';

const invocationType =
  (InvocationType: 'RequestResponse' | 'Event' | 'DryRun', code: string, runtime: 'nodejs16.x' | 'nodejs18.x'): Replay =>
  async (c) => {
    const name = c.name('echo-func');
    const created = (await c.create(name, { Runtime: runtime, Code: { ZipFile: c.archive('handler.js', code) } })) as {
      CreateFunctionResponse: { FunctionArn: string };
    };
    return {
      'invoke-result': await c.call(
        new InvokeCommand({ FunctionName: created.CreateFunctionResponse.FunctionArn, Payload: '{}', InvocationType }),
      ),
    };
  };

const deprecatedRuntime =
  (runtime: string): Replay =>
  async (c) => ({
    deprecation_error: await c.call(
      new CreateFunctionCommand({
        FunctionName: c.name('fn'),
        Runtime: runtime as 'nodejs24.x',
        Handler: 'handler.handler',
        Role: c.role,
        Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
        Timeout: 30,
        Environment: { Variables: {} },
        Tags: {},
      }),
    ),
  });

/** test_lambda_api.py's tag and runtime-validation cases, and test_lambda.py's invocation cases, by snapshot key. */
export const TAG_AND_INVOKE_CASES: Record<string, Replay> = {
  'TestLambdaTag::test_create_tag_on_fn_create': async (c) => {
    const { name, arn } = await taggable(c, 'fn', { testtag: c.name('tag') });
    return { get_function_result: await c.call(new GetFunctionCommand({ FunctionName: name })), list_tags_result: await listTags(c, arn) };
  },
  'TestLambdaTag::test_tag_lifecycle[lambda_function]': async (c) => tagLifecycle(c, (await taggable(c, 'fn')).arn),
  'TestLambdaTag::test_tag_nonexisting_resource': async (c) => {
    const { arn } = await taggable(c, 'fn');
    const live: Answer = { pre_delete_get_function: await c.call(new GetFunctionCommand({ FunctionName: arn })) };
    await c.lambda.send(new DeleteFunctionCommand({ FunctionName: arn }));
    live.not_found_exception_tag = await tag(c, arn, { A: 'B' });
    live.not_found_exception_untag = await untag(c, arn, ['A']);
    live.not_found_exception_list = await listTags(c, arn);
    return live;
  },
  'TestLambdaTags::test_tag_lifecycle': async (c) => {
    const { name, arn } = await taggable(c, 'fn-tag', { key_a: 'value_a' });
    const live: Answer = {};
    const snapshotTags = async (suffix: string) => {
      live[`list_tags_response_${suffix}`] = await listTags(c, arn);
      live[`get_fn_response_${suffix}`] = await c.call(new GetFunctionCommand({ FunctionName: arn }));
    };
    await snapshotTags('postfncreate');
    live.tag_resource_response = await tag(c, arn, { key_b: 'value_b', key_c: 'value_c', key_d: 'value_d', key_e: 'value_e' });
    await snapshotTags('postaddtags');
    live.tag_resource_overwrite = await tag(c, arn, { key_b: 'value_b', key_c: 'value_x' });
    await snapshotTags('overwrite');
    await untag(c, arn, ['key_c', 'key_d']);
    await snapshotTags('postuntag');
    await untag(c, arn, ['key_a', 'key_b', 'key_e']);
    await snapshotTags('postuntagall');
    await c.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    live.list_tags_postdelete = await listTags(c, arn);
    return live;
  },
  'TestLambdaTags::test_tag_limits': async (c) => {
    const { name, arn } = await taggable(c, 'fn-tag');
    const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, k) => [`${k}_key`, `${k}_value`]));
    const live: Answer = { tag_lambda_too_many_tags: await tag(c, arn, many(51)) };
    live.tag_response = await tag(c, arn, many(50));
    live.list_tags_response = await listTags(c, arn);
    live.get_fn_response = await c.call(new GetFunctionCommand({ FunctionName: name }));
    live.tag_lambda_too_many_tags_additional = await tag(c, arn, { a_key: 'a_value' });
    live.create_function_invalid_tags = await c.call(
      new CreateFunctionCommand({
        FunctionName: c.name('fn-tag'),
        Handler: 'index.handler',
        Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
        PackageType: 'Zip',
        Role: c.role,
        Runtime: 'python3.12',
        Tags: many(51),
      }),
    );
    return live;
  },
  'TestLambdaTags::test_tag_versions': async (c) => {
    const name = c.name('fn-tag');
    const created = (await c.create(name, { Tags: { key_a: 'value_a' } })) as { CreateFunctionResponse: { FunctionArn: string } };
    const published = await c.lambda.send(new PublishVersionCommand({ FunctionName: name }));
    const tags = { key_b: 'value_b', key_c: 'value_c', key_d: 'value_d', key_e: 'value_e' };
    return {
      tag_resource_exception: await tag(c, String(published.FunctionArn), tags),
      tag_resource_latest_exception: await tag(c, `${created.CreateFunctionResponse.FunctionArn}:$LATEST`, tags),
    };
  },
  ...Object.fromEntries(
    ['java8', 'go1.x', 'provided', 'ruby2.7', 'nodejs14.x', 'python3.7', 'dotnetcore3.1', 'nodejs12.x'].map((runtime) => [
      `TestRuntimeValidation::test_create_deprecated_function_runtime_with_validation_enabled[${runtime}]`,
      deprecatedRuntime(runtime),
    ]),
  ),
  'TestLambdaFeatures::test_invoke_exceptions': async (c) => ({
    invoke_function_doesnotexist: await c.call(new InvokeCommand({ FunctionName: 'doesnotexist' })),
  }),
  'TestLambdaFeatures::test_invocation_type_request_response[nodejs16.x]': invocationType(
    'RequestResponse',
    ECHO['handler.js'] ?? '',
    'nodejs16.x',
  ),
  'TestLambdaFeatures::test_invocation_type_event[nodejs16.x]': invocationType('Event', ECHO['handler.js'] ?? '', 'nodejs16.x'),
  'TestLambdaFeatures::test_invocation_type_dry_run[nodejs16.x]': invocationType('DryRun', ECHO['handler.js'] ?? '', 'nodejs16.x'),
  'TestLambdaFeatures::test_invocation_with_logs[nodejs16.x]': invocationWithLogs('nodejs16.x', 'handler.js', ECHO_JS),
  'TestLambdaFeatures::test_invocation_type_no_return_payload[nodejs-RequestResponse]': invocationType(
    'RequestResponse',
    NONE_JS,
    'nodejs18.x',
  ),
  'TestLambdaFeatures::test_invocation_type_no_return_payload[nodejs-Event]': invocationType('Event', NONE_JS, 'nodejs18.x'),
};

import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zip } from '../../helpers/zip-archive.js';
import { region } from '../helpers.js';
import { type Answer, ECHO, type Replay, type ReplayContext } from './recorded-replay.js';

/** LocalStack's limits the tests size their packages by (its config's defaults, AWS's quotas). */
const CODE_SIZE_ZIPPED = 52_428_800;
const CODE_SIZE_UNZIPPED = 262_144_000;
const CREATE_FUNCTION_REQUEST_SIZE = 70_167_211;

/** The tests' `_generate_sized_python_str`: the echo handler padded with `#` to `size` characters. */
const sized = (size: number) => {
  const code = ECHO['handler.py'] ?? '';
  return code + '#'.repeat(size - code.length);
};

/**
 * The handler padded to `size`, zipped as LocalStack's create_lambda_archive zips it: stored,
 * so that the zip is as large (`stored`); one read from S3 is deflated instead, as only its
 * unzipped size matters and the local S3 need not hold 250 MB.
 */
const sizedArchive = (size: number, stored: boolean) => zip([{ path: 'handler.py', body: sized(size), method: stored ? 0 : 8 }]);

/** The tests' CreateFunction of a python3.12 `handler.handler` (10 s), its answer. */
const createSized = (c: ReplayContext, Code: CreateFunctionCommandInput['Code'], extra: Partial<CreateFunctionCommandInput> = {}) =>
  c.call(
    new CreateFunctionCommand({
      FunctionName: c.name('test_lambda'),
      Runtime: 'python3.12',
      Handler: 'handler.handler',
      Role: c.role,
      Code,
      Timeout: 10,
      ...extra,
    }),
  );

/** A bucket holding the package padded to `size` (deflated), as the S3 tests upload it. */
async function s3Package(c: ReplayContext, size: number): Promise<{ S3Bucket: string; S3Key: string }> {
  const S3Bucket = c.name('bucket');
  const S3Key = 'test_lambda.zip';
  await c.s3.send(new CreateBucketCommand({ Bucket: S3Bucket }));
  await c.s3.send(new PutObjectCommand({ Bucket: S3Bucket, Key: S3Key, Body: sizedArchive(size, false) }));
  return { S3Bucket, S3Key };
}

/**
 * The `create_lambda_function` fixture's CreateFunction with `Variables`, expected to be refused:
 * its answer; the function must not exist after (asserted by the tests, not recorded).
 */
async function refusedEnvironment(c: ReplayContext, Variables: Record<string, string>): Promise<Answer> {
  const name = c.name('large-envvar-lambda');
  const answer = await c.call(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'python3.12',
      Handler: 'handler.handler',
      Role: c.role,
      Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
      Timeout: 30,
      Environment: { Variables },
    }),
  );
  const after = await c.call(new GetFunctionCommand({ FunctionName: name }));
  if ((after.Error as Answer | undefined)?.Code !== 'ResourceNotFoundException')
    throw new Error(`${name} exists: ${JSON.stringify(after)}`);
  return answer;
}

/** A function read as the image tests read it: GetFunction and GetFunctionConfiguration, under the keys' suffix. */
async function readFunction(c: ReplayContext, name: string, live: Answer, suffix = ''): Promise<void> {
  live[`get-function-code-response${suffix}`] = await c.call(new GetFunctionCommand({ FunctionName: name }));
  live[`get-function-config-response${suffix}`] = await c.call(new GetFunctionConfigurationCommand({ FunctionName: name }));
}

/** test_lambda_api.py's tests of Lambda's size limits (requests, packages, environments) and of a Zip function given an image, by snapshot key. */
export const LIMIT_CASES: Record<string, Replay> = {
  'TestLambdaSizeLimits::test_oversized_request_create_lambda': async (c) => {
    const large = sized(CREATE_FUNCTION_REQUEST_SIZE - CODE_SIZE_ZIPPED + 1024 * 1024);
    return {
      invalid_param_exc: await createSized(
        c,
        { ZipFile: sizedArchive(CODE_SIZE_ZIPPED - 1024, true) },
        { Environment: { Variables: { largeKey: large } } },
      ),
    };
  },
  'TestLambdaSizeLimits::test_oversized_zipped_create_lambda': async (c) => ({
    invalid_param_exc: await createSized(c, { ZipFile: sizedArchive(CODE_SIZE_ZIPPED, true) }),
  }),
  'TestLambdaSizeLimits::test_oversized_unzipped_lambda': async (c) => ({
    invalid_param_exc: await createSized(c, await s3Package(c, CODE_SIZE_UNZIPPED)),
  }),
  'TestLambdaSizeLimits::test_large_lambda': async (c) => {
    const answer = await createSized(c, await s3Package(c, CODE_SIZE_UNZIPPED - 1000));
    await c.updated(String(answer.FunctionName));
    return { create_function_large_zip: answer };
  },
  'TestLambdaSizeLimits::test_large_environment_variables_fails': async (c) => ({
    failed_create_fn_result: await refusedEnvironment(c, { LARGE_VAR: 'x'.repeat(4 * 1024 - 6 - 'LARGE_VAR'.length) }),
  }),
  'TestLambdaSizeLimits::test_large_environment_fails_multiple_keys': async (c) => ({
    failured_create_fn_result_multi_key: await refusedEnvironment(c, { SMALL_VAR: 'ok', LARGE_VAR: 'x'.repeat(4064) }),
  }),
  'TestLambdaSizeLimits::test_lambda_envvars_near_limit_succeeds': async (c) => ({
    successful_create_fn_result: await c.create(c.name('large-envvar-lambda'), {
      Environment: { Variables: { LARGE_VAR: 'x'.repeat(4 * 1024 - 7 - 'LARGE_VAR'.length) } },
    }),
  }),
  'TestLambdaImages::test_lambda_zip_file_to_image': async (c) => {
    const name = c.name('test-function');
    const live: Answer = {
      'create-image-response': await c.createAws({
        FunctionName: name,
        Role: c.role,
        Runtime: 'python3.12',
        Handler: 'handler.handler',
        Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
      }),
    };
    await readFunction(c, name, live);
    const ImageUri = `${c.accountId}.dkr.ecr.${region}.amazonaws.com/${c.name('test-repo')}:latest`;
    live['zipfile-to-image-error'] = await c.call(new UpdateFunctionCodeCommand({ FunctionName: name, ImageUri }));
    await readFunction(c, name, live, '-after-update');
    return live;
  },
};

import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  InvokeCommand,
  ListFunctionsCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { region } from '../helpers.js';
import { type Answer, ECHO, type Replay, sortedBy, zipFunction } from './recorded-replay.js';

/** The recordings' second handler (TEST_LAMBDA_PYTHON_VERSION): new code for an update. */
const VERSION_PY = 'def handler(event, context):\n    return {"version": "version1"}\n';

/** The operations test_lambda_api.py calls on a function by name or ARN, by their boto3 names. */
const ON_FUNCTION: Readonly<Record<string, (FunctionName: string, Qualifier?: string) => object>> = {
  delete_function: (FunctionName, Qualifier) => new DeleteFunctionCommand({ FunctionName, Qualifier }),
  get_function: (FunctionName, Qualifier) => new GetFunctionCommand({ FunctionName, Qualifier }),
  get_function_configuration: (FunctionName, Qualifier) => new GetFunctionConfigurationCommand({ FunctionName, Qualifier }),
  get_function_event_invoke_config: (FunctionName, Qualifier) => new GetFunctionEventInvokeConfigCommand({ FunctionName, Qualifier }),
  get_function_concurrency: (FunctionName) => new GetFunctionConcurrencyCommand({ FunctionName }),
  get_function_url_config: (FunctionName, Qualifier) => new GetFunctionUrlConfigCommand({ FunctionName, Qualifier }),
  get_function_code_signing_config: (FunctionName) => new GetFunctionCodeSigningConfigCommand({ FunctionName }),
  invoke: (FunctionName, Qualifier) => new InvokeCommand({ FunctionName, Qualifier }),
};

const on = (operation: string, name: string, qualifier?: string): object => {
  const make = ON_FUNCTION[operation];
  if (!make) throw new Error(`no replay of ${operation}`);
  return make(name, qualifier);
};

const nonexistingFn =
  (operation: string): Replay =>
  async (c) => ({
    not_found_exception: await c.call(on(operation, c.name('i-dont-exist'))),
  });

const nonexistingVersion =
  (operation: string): Replay =>
  async (c) => {
    const name = c.name('i-exist');
    await c.create(name, { Description: 'Initial description' });
    return { version_not_found_exception: await c.call(on(operation, name, '1221')) };
  };

const qualifierMismatch =
  (operation: string): Replay =>
  async (c) => {
    const arn = `arn:aws:lambda:${region}:${c.accountId}:function:some-function`;
    return {
      not_match_exception: await c.call(on(operation, `${arn}:1`, '$LATEST')),
      match_exception: await c.call(on(operation, `${arn}:$LATEST`, '$LATEST')),
    };
  };

const wrongRegion =
  (operation: string): Replay =>
  async (c) => {
    const name = c.name('i-exist');
    await c.create(name, { Description: 'Initial description' });
    return { wrong_region_exception: await c.call(on(operation, `arn:aws:lambda:eu-central-1:${c.accountId}:function:${name}`)) };
  };

/** test_lambda_api.py's TestLambdaFunction, by snapshot key. */
export const FUNCTION_CASES: Record<string, Replay> = {
  'TestLambdaFunction::test_function_lifecycle': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await c.create(name, { MemorySize: 256, Timeout: 5 }) };
    live.get_function_response = await c.call(new GetFunctionCommand({ FunctionName: name }));
    live.update_func_conf_response = await c.call(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Runtime: 'python3.11',
        Description: 'Changed-Description',
        MemorySize: 512,
        Timeout: 10,
        Environment: { Variables: { ENV_A: 'a' } },
      }),
    );
    await c.updated(name);
    live.get_function_response_postupdate = await c.call(new GetFunctionCommand({ FunctionName: name }));
    live.update_code_response = await c.call(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: c.archive('handler.py', VERSION_PY) }),
    );
    await c.updated(name);
    live.get_function_response_postcodeupdate = await c.call(new GetFunctionCommand({ FunctionName: name }));
    live.delete_response = await c.call(new DeleteFunctionCommand({ FunctionName: name }));
    live.delete_postdelete = await c.call(new DeleteFunctionCommand({ FunctionName: name }));
    return live;
  },
  'TestLambdaFunction::test_redundant_updates': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await c.create(name, { Description: 'Initial description' }) };
    live.first_update_result = await c.call(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: '1st update description' }),
    );
    await c.updated(name);
    live.get_fn_config_result = await c.call(new GetFunctionConfigurationCommand({ FunctionName: name }));
    live.get_fn_result = await c.call(new GetFunctionCommand({ FunctionName: name }));
    live.redundant_update_result = await c.call(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: '1st update description' }),
    );
    await c.updated(name);
    live.get_fn_result_after_redundant_update = await c.call(new GetFunctionCommand({ FunctionName: name }));
    return live;
  },
  ...Object.fromEntries(
    ['delete_function', 'get_function', 'get_function_configuration'].map((op) => [
      `TestLambdaFunction::test_ops_with_arn_qualifier_mismatch[${op}]`,
      qualifierMismatch(op),
    ]),
  ),
  ...Object.fromEntries(
    ['get_function', 'get_function_configuration', 'get_function_event_invoke_config'].map((op) => [
      `TestLambdaFunction::test_ops_on_nonexisting_version[${op}]`,
      nonexistingVersion(op),
    ]),
  ),
  'TestLambdaFunction::test_delete_on_nonexisting_version': async (c) => {
    const name = c.name('i-exist');
    await c.create(name, { Description: 'Initial description' });
    for (const qualifier of ['1233', '1233', undefined]) {
      const answer = await c.call(new DeleteFunctionCommand({ FunctionName: name, Qualifier: qualifier }));
      if (answer.Error) throw new Error(`DeleteFunction ${qualifier ?? ''} failed: ${JSON.stringify(answer.Error)}`);
    }
    return {
      delete_function_response_non_existent: await c.call(new DeleteFunctionCommand({ FunctionName: name })),
      delete_function_response_non_existent_with_qualifier: await c.call(
        new DeleteFunctionCommand({ FunctionName: name, Qualifier: '1233' }),
      ),
    };
  },
  ...Object.fromEntries(
    [
      'delete_function',
      'get_function',
      'get_function_configuration',
      'get_function_event_invoke_config',
      'get_function_concurrency',
      'get_function_url_config',
      'get_function_code_signing_config',
    ].map((op) => [`TestLambdaFunction::test_ops_on_nonexisting_fn[${op}]`, nonexistingFn(op)]),
  ),
  ...Object.fromEntries(
    [
      'get_function',
      'get_function_configuration',
      'get_function_event_invoke_config',
      'get_function_concurrency',
      'delete_function',
      'invoke',
      'get_function_url_config',
      'get_function_code_signing_config',
    ].map((op) => [`TestLambdaFunction::test_get_function_wrong_region[${op}]`, wrongRegion(op)]),
  ),
  'TestLambdaFunction::test_lambda_code_location_s3_errors': async (c) => {
    const name = c.name('code-function');
    const bucket = c.name('code-bucket');
    const key = 'code/code-function.zip';
    await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: c.archive('handler.py', ECHO['handler.py'] ?? '') }));
    const create = (S3Bucket: string, S3Key: string) =>
      c.call(
        new CreateFunctionCommand({
          FunctionName: name,
          Handler: 'index.handler',
          Code: { S3Bucket, S3Key },
          PackageType: 'Zip',
          Role: c.role,
          Runtime: 'python3.12',
        }),
      );
    const live: Answer = {
      'create-error-wrong-bucket': await create(c.name('some-random-non-existent-bucket'), key),
      'create-error-wrong-key': await create(bucket, 'non/existent.zip'),
    };
    await zipFunction(c, name, { Code: { S3Bucket: bucket, S3Key: key } });
    live['update-error-wrong-bucket'] = await c.call(
      new UpdateFunctionCodeCommand({ FunctionName: name, S3Bucket: c.name('some-random-non-existent-bucket'), S3Key: key }),
    );
    live['update-error-wrong-key'] = await c.call(
      new UpdateFunctionCodeCommand({ FunctionName: name, S3Bucket: bucket, S3Key: 'non/existent.zip' }),
    );
    return live;
  },
  'TestLambdaFunction::test_create_lambda_exceptions': async (c) => {
    const zip = c.archive('handler.py', ECHO['handler.py'] ?? '');
    const base = {
      FunctionName: c.name('invalid-function'),
      Handler: 'index.handler',
      Code: { ZipFile: zip },
      PackageType: 'Zip' as const,
    };
    const create = (extra: object) => c.call(new CreateFunctionCommand({ ...base, Role: c.role, Runtime: 'python3.12', ...extra }));
    return {
      invalid_role_arn_exc: await create({ Role: 'r1' }),
      invalid_runtime_exc: await create({ Runtime: 'non-existent-runtime' }),
      uppercase_runtime_exc: await create({ Runtime: 'PYTHON3.9' }),
      multiple_architectures: await create({ Architectures: ['x86_64', 'arm64'] }),
      uppercase_architecture: await create({ Architectures: ['X86_64'] }),
      invalid_zip_exc: await create({
        Code: { ZipFile: Buffer.from('this is not a zipfile, just a random string') },
        Runtime: 'python3.9',
      }),
    };
  },
  'TestLambdaFunction::test_update_lambda_exceptions': async (c) => {
    const name = c.name('invalid-function');
    await zipFunction(c, name);
    const update = (extra: object) => c.call(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...extra }));
    return {
      invalid_role_arn_exc: await update({ Role: 'r1' }),
      invalid_runtime_exc: await update({ Runtime: 'non-existent-runtime' }),
      uppercase_runtime_exc: await update({ Runtime: 'PYTHON3.9' }),
    };
  },
  'TestLambdaFunction::test_list_functions': async (c) => {
    const names = [c.name('list-fn-1'), c.name('list-fn-2')];
    const live: Answer = {
      create_response_1: await c.create(names[0] as string, { Publish: true }),
      create_response_2: await c.create(names[1] as string),
      list_functions_invalid_functionversion: await c.call(new ListFunctionsCommand({ FunctionVersion: 'invalid' as 'ALL' })),
    };
    const ours = (answer: Answer) =>
      sortedBy(
        { Functions: (answer.Functions as { FunctionName: string }[]).filter((f) => names.includes(f.FunctionName)) },
        'Functions',
        'FunctionArn',
      );
    live.list_all = ours(
      await c.paginate((Marker) => new ListFunctionsCommand({ FunctionVersion: 'ALL', MaxItems: 1, Marker }), 'Functions'),
    );
    live.list_default = ours(await c.paginate((Marker) => new ListFunctionsCommand({ MaxItems: 1, Marker }), 'Functions'));
    return live;
  },
};

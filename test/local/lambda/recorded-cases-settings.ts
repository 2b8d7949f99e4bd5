import {
  CreateAliasCommand,
  CreateCodeSigningConfigCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteCodeSigningConfigCommand,
  DeleteFunctionCodeSigningConfigCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetCodeSigningConfigCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionRecursionConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  ListCodeSigningConfigsCommand,
  ListFunctionsByCodeSigningConfigCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  type RecursiveLoop,
  type SnapStartApplyOn,
  UpdateCodeSigningConfigCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import { region } from '../helpers.js';
import { type Answer, ECHO, type Replay, type ReplayContext } from './recorded-replay.js';

/** LocalStack's SNAP_START_SUPPORTED_RUNTIMES, each with the handler of its `echo` scenario (multiruntime_lambda). */
const SNAP_START_RUNTIMES: Readonly<Record<string, string>> = {
  java11: 'echo.Handler',
  java17: 'echo.Handler',
  java21: 'echo.Handler',
  java25: 'echo.Handler',
  'python3.12': 'handler.handler',
  'python3.13': 'handler.handler',
  dotnet8: 'dotnet::Dotnet.Function::FunctionHandler',
  dotnet10: 'dotnet::Dotnet.Function::FunctionHandler',
};

/** multiruntime_lambda's create_function (1024 MB, 5 s): its answer; the code is never run, so its language does not matter. */
async function snapStartFunction(c: ReplayContext, runtime: string): Promise<{ name: string; answer: Answer }> {
  const name = c.name('snapstart');
  const answer = await c.createAws({
    FunctionName: name,
    Runtime: runtime as never,
    Handler: SNAP_START_RUNTIMES[runtime],
    Role: c.role,
    Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
    MemorySize: 1024,
    Timeout: 5,
  });
  return { name, answer };
}

const snapStartCases = (test: string, replay: (c: ReplayContext, runtime: string) => Promise<Answer>) =>
  Object.fromEntries(
    Object.keys(SNAP_START_RUNTIMES).map((runtime) => [
      `TestLambdaSnapStart::${test}[${runtime}]`,
      (c: ReplayContext) => replay(c, runtime),
    ]),
  );

const waiting = (c: ReplayContext) => ({ client: c.lambda, minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 });

/** test_provisioned_concurrency_exceptions' function and its version 1 (the `create_lambda_function` fixture). */
async function publishedFunction(c: ReplayContext): Promise<{ name: string; live: Answer }> {
  const name = c.name('lambda_func');
  await c.create(name);
  return { name, live: { publish_version_result: await c.call(new PublishVersionCommand({ FunctionName: name })) } };
}

async function provisionedExceptions(c: ReplayContext): Promise<Answer> {
  const { name, live } = await publishedFunction(c);
  const get = (FunctionName: string, Qualifier: string) => c.call(new GetProvisionedConcurrencyConfigCommand({ FunctionName, Qualifier }));
  const remove = (FunctionName: string, Qualifier: string) =>
    c.call(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName, Qualifier }));
  const put = (FunctionName: string, Qualifier: string, ProvisionedConcurrentExecutions = 1) =>
    c.call(new PutProvisionedConcurrencyConfigCommand({ FunctionName, Qualifier, ProvisionedConcurrentExecutions }));
  live.get_provisioned_config_doesnotexist = await get(name, '1');
  live.get_provisioned_functionname_doesnotexist = await get('doesnotexist', 'noalias');
  live.get_provisioned_qualifier_doesnotexist = await get(name, 'noalias');
  live.get_provisioned_version_doesnotexist = await get(name, '10');
  live.get_provisioned_latest = await get(name, '$LATEST');
  live.list_provisioned_noconfigs = await c.call(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name }));
  live.list_provisioned_functionname_doesnotexist = await c.call(
    new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'doesnotexist' }),
  );
  live.delete_provisioned_functionname_doesnotexist = await remove('doesnotexist', '1');
  live.delete_provisioned_qualifier_doesnotexist = await remove(name, 'noalias');
  live.delete_provisioned_version_doesnotexist = await remove(name, '10');
  live.delete_provisioned_latest = await remove(name, '$LATEST');
  live.delete_provisioned_config_doesnotexist = await remove(name, '1');
  live.put_provisioned_invalid_param_0 = await put(name, '1', 0);
  live.put_provisioned_functionname_doesnotexist_alias = await put('doesnotexist', 'noalias');
  live.put_provisioned_functionname_doesnotexist_version = await put('doesnotexist', '1');
  live.put_provisioned_qualifier_doesnotexist = await put(name, 'doesnotexist');
  live.put_provisioned_version_doesnotexist = await put(name, '10');
  live.put_provisioned_latest = await put(name, '$LATEST');
  return live;
}

async function provisionedLifecycle(c: ReplayContext): Promise<Answer> {
  const { name, live } = await publishedFunction(c);
  const alias = c.name('alias');
  live.create_alias_result = await c.call(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: '1' }));
  const put = (Qualifier: string) =>
    c.call(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier, ProvisionedConcurrentExecutions: 1 }));
  const get = (Qualifier: string) => c.call(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier }));
  live.put_provisioned_on_version = await put('1');
  live.put_provisioned_on_alias_versionconflict = await put(alias);
  // The test waits for READY (asserted, not recorded).
  const ready = await get('1');
  if (ready.Status !== 'READY') throw new Error(`provisioned concurrency is not READY: ${JSON.stringify(ready)}`);
  live.delete_provisioned_version = await c.call(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }));
  live.get_provisioned_version_postdelete = await get('1');
  live.put_provisioned_on_alias = await put(alias);
  live.put_provisioned_on_version_conflict = await put('1');
  live.delete_alias_result = await c.call(new DeleteAliasCommand({ FunctionName: name, Name: alias }));
  live.get_provisioned_alias_postaliasdelete = await get(alias);
  live.list_response_postdeletes = await c.call(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name }));
  return live;
}

/** The tests' code signing configuration: a signing profile of the account, enforced. */
const createCodeSigningConfig = (c: ReplayContext) =>
  c.call(
    new CreateCodeSigningConfigCommand({
      Description: 'Testing CodeSigning Config',
      AllowedPublishers: { SigningProfileVersionArns: [`arn:aws:signer:${region}:${c.accountId}:/signing-profiles/test`] },
      CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' },
    }),
  );

async function codeSigningConfig(c: ReplayContext): Promise<Answer> {
  const name = c.name('lambda_func');
  await c.create(name);
  const live: Answer = { create_code_signing_config: await createCodeSigningConfig(c) };
  const arn = String((live.create_code_signing_config as { CodeSigningConfig: Answer }).CodeSigningConfig.CodeSigningConfigArn);
  live.update_code_signing_config = await c.call(
    new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: arn, CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Warn' } }),
  );
  live.get_code_signing_config = await c.call(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
  live.put_function_code_signing_config = await c.call(
    new PutFunctionCodeSigningConfigCommand({ CodeSigningConfigArn: arn, FunctionName: name }),
  );
  live.get_function_code_signing_config = await c.call(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }));
  // The test takes the list's last configuration, on AWS its own (the account's newest); here the other tests' may follow it.
  const list = await c.lambda.send(new ListCodeSigningConfigsCommand({}));
  live.list_code_signing_configs = list.CodeSigningConfigs?.find((config) => config.CodeSigningConfigArn === arn);
  live.list_functions_by_code_signing_config = await c.call(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
  live.delete_function_code_signing_config = await c.call(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: name }));
  live.delete_code_signing_config = await c.call(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
  return live;
}

async function codeSigningNotFound(c: ReplayContext): Promise<Answer> {
  const name = c.name('lambda_func');
  await c.create(name);
  const live: Answer = { create_code_signing_config: await createCodeSigningConfig(c) };
  const arn = String((live.create_code_signing_config as { CodeSigningConfig: Answer }).CodeSigningConfig.CodeSigningConfigArn);
  const invalid = `${arn.slice(0, -1)}x`;
  const missing = 'csc-test-doesnotexist';
  live.delete_csc_notfound = await c.call(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: invalid }));
  live.nothing_to_delete_response = await c.call(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: name }));
  live.delete_function_csc_fnnotfound = await c.call(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: missing }));
  const put = (FunctionName: string, CodeSigningConfigArn: string) =>
    c.call(new PutFunctionCodeSigningConfigCommand({ FunctionName, CodeSigningConfigArn }));
  live.put_function_csc_invalid_fnname = await put(missing, arn);
  live.put_function_csc_invalid_csc_arn = await put(name, invalid);
  live.put_function_csc_invalid_both = await put(missing, invalid);
  live.update_csc_invalid_csc_arn = await c.call(
    new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: invalid, Description: 'new-description' }),
  );
  live.update_csc_noupdates = await c.call(new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: invalid }));
  live.update_csc_noupdate_response = await c.call(new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
  live.get_csc_invalid = await c.call(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: invalid }));
  live.get_function_csc_fnwithoutcsc = await c.call(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }));
  live.get_function_csc_nonexistingfn = await c.call(new GetFunctionCodeSigningConfigCommand({ FunctionName: missing }));
  live.list_functions_by_csc_fnwithoutcsc = await c.call(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: arn }));
  live.list_functions_by_csc_invalid_cscarn = await c.call(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: invalid }));
  return live;
}

/** TestLambdaRecursion's function (`create_lambda_function`, python3.12, described). */
async function recursionFunction(c: ReplayContext): Promise<string> {
  const name = c.name('recursion-test');
  await c.create(name, { Description: 'Lambda with recursion test' });
  return name;
}

const putRecursion = (c: ReplayContext, FunctionName: string, RecursiveLoop: string) =>
  c.call(new PutFunctionRecursionConfigCommand({ FunctionName, RecursiveLoop: RecursiveLoop as RecursiveLoop }));

/** test_lambda_api.py's tests of a function's settings beside its configuration (SnapStart, provisioned concurrency, code signing, recursion), by snapshot key. */
export const SETTINGS_CASES: Record<string, Replay> = {
  ...snapStartCases('test_snapstart_lifecycle', async (c, runtime) => {
    const { name, answer } = await snapStartFunction(c, runtime);
    await c.lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'version1' }));
    await waitUntilPublishedVersionActive(waiting(c), { FunctionName: name, Qualifier: '1' });
    return {
      create_function_response: answer,
      get_function_response_latest: await c.call(new GetFunctionCommand({ FunctionName: name })),
      get_function_response_version_1: await c.call(new GetFunctionCommand({ FunctionName: `${name}:1` })),
    };
  }),
  ...snapStartCases('test_snapstart_update_function_configuration', async (c, runtime) => {
    const { name, answer } = await snapStartFunction(c, runtime);
    const SnapStart = { ApplyOn: 'PublishedVersions' as SnapStartApplyOn };
    return {
      create_function_response: answer,
      // AWS's update had not ended when it answered (InProgress): here it is held in progress as LocalStack's suite holds it.
      update_function_response: await c.whileInProgress(() =>
        c.call(new UpdateFunctionConfigurationCommand({ FunctionName: name, SnapStart })),
      ),
    };
  }),
  'TestLambdaSnapStart::test_snapstart_exceptions': async (c) => ({
    create_function_invalid_snapstart_apply: await c.call(
      new CreateFunctionCommand({
        FunctionName: c.name('invalid-function'),
        Handler: 'cloud.localstack.sample.LambdaHandlerWithLib',
        Code: { ZipFile: c.archive('handler.py', ECHO['handler.py'] ?? '') },
        PackageType: 'Zip',
        Role: c.role,
        Runtime: 'java21',
        SnapStart: { ApplyOn: 'invalidOption' as SnapStartApplyOn },
      }),
    ),
  }),
  'TestLambdaProvisionedConcurrency::test_provisioned_concurrency_exceptions': provisionedExceptions,
  'TestLambdaProvisionedConcurrency::test_lambda_provisioned_lifecycle': provisionedLifecycle,
  'TestLambdaProvisionedConcurrency::test_provisioned_concurrency_limits': async (c) => {
    const { name } = await publishedFunction(c);
    const settings = await c.lambda.send(new GetAccountSettingsCommand({}));
    const limit = Number(settings.AccountLimit?.ConcurrentExecutions);
    const put = (ProvisionedConcurrentExecutions: number) =>
      c.call(new PutProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1', ProvisionedConcurrentExecutions }));
    return {
      put_provisioned_concurrency_account_limit_exceeded: await put(limit + 1),
      put_provisioned_concurrency_below_unreserved_min_value: await put(limit),
    };
  },
  'TestCodeSigningConfig::test_function_code_signing_config': codeSigningConfig,
  'TestCodeSigningConfig::test_code_signing_not_found_excs': codeSigningNotFound,
  'TestLambdaRecursion::test_put_function_recursion_config_allow': async (c) => {
    const name = await recursionFunction(c);
    return {
      put_recursion_config_response: await putRecursion(c, name, 'Allow'),
      get_recursion_config_response: await c.call(new GetFunctionRecursionConfigCommand({ FunctionName: name })),
    };
  },
  'TestLambdaRecursion::test_put_function_recursion_config_default_terminate': async (c) => ({
    get_recursion_default_terminate_response: await c.call(
      new GetFunctionRecursionConfigCommand({ FunctionName: await recursionFunction(c) }),
    ),
  }),
  'TestLambdaRecursion::test_put_function_recursion_config_invalid_value': async (c) => ({
    put_recursion_invalid_value_error: await putRecursion(c, await recursionFunction(c), 'InvalidValue'),
  }),
};

import {
  AddLayerVersionPermissionCommand,
  type AddLayerVersionPermissionCommandInput,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type PublishLayerVersionCommandInput,
  RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { zip } from '../../helpers/zip-archive.js';
import { region } from '../helpers.js';
import { documents } from './recorded-cases-permissions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/** The `dummylayer` fixture's zip (tests/aws/services/lambda_/layers/testlayer.zip), one archive for every case: a layer of one Python module. */
const DUMMY_LAYER = zip([{ path: 'python/testlayer.py', body: 'GREETING = "from the layer"\n' }], 'dummylayer');

const publish = (c: ReplayContext, LayerName: string, extra: Partial<PublishLayerVersionCommandInput> = {}) =>
  c.call(new PublishLayerVersionCommand({ LayerName, Content: { ZipFile: DUMMY_LAYER }, ...extra }));

const layerVersion = (c: ReplayContext, LayerName: string, VersionNumber: number) =>
  c.call(new GetLayerVersionCommand({ LayerName, VersionNumber }));

const deleteVersion = (c: ReplayContext, LayerName: string, VersionNumber: number) =>
  c.call(new DeleteLayerVersionCommand({ LayerName, VersionNumber }));

/** The runtimes and architectures test_layer_compatibilities publishes (LocalStack's ALL_RUNTIMES in batches of 15). */
const RUNTIME_BATCHES: readonly (readonly string[])[] = [
  [
    'nodejs24.x',
    'nodejs22.x',
    'nodejs20.x',
    'nodejs18.x',
    'nodejs16.x',
    'nodejs14.x',
    'nodejs12.x',
    'python3.14',
    'python3.13',
    'python3.12',
    'python3.11',
    'python3.10',
    'python3.9',
    'python3.8',
    'python3.7',
  ],
  [
    'java25',
    'java21',
    'java17',
    'java11',
    'java8.al2',
    'java8',
    'dotnet10',
    'dotnet8',
    'dotnet6',
    'dotnetcore3.1',
    'go1.x',
    'ruby3.4',
    'ruby3.3',
    'ruby3.2',
    'ruby2.7',
  ],
  ['provided.al2023', 'provided.al2', 'provided'],
];

const compatibilities =
  (runtimes: readonly string[]): Replay =>
  async (c) => ({
    publish_result: await publish(c, c.name('testlayer'), {
      CompatibleRuntimes: runtimes as never,
      CompatibleArchitectures: ['arm64', 'x86_64'],
    }),
  });

/** A layer version's permission: `lambda:GetLayerVersion` for anyone, version 1 unless said. */
const permit = async (c: ReplayContext, LayerName: string, extra: Partial<AddLayerVersionPermissionCommandInput>) =>
  documents(
    await c.call(
      new AddLayerVersionPermissionCommand({
        LayerName,
        VersionNumber: 1,
        Action: 'lambda:GetLayerVersion',
        Principal: '*',
        StatementId: 's1',
        ...extra,
      }),
    ),
  );
const layerPolicy = async (c: ReplayContext, LayerName: string, VersionNumber = 1) =>
  documents(await c.call(new GetLayerVersionPolicyCommand({ LayerName, VersionNumber })));
const unpermit = (c: ReplayContext, LayerName: string, StatementId: string, extra: { VersionNumber?: number; RevisionId?: string } = {}) =>
  c.call(new RemoveLayerVersionPermissionCommand({ LayerName, VersionNumber: 1, StatementId, ...extra }));
const pythonLayer = { CompatibleRuntimes: ['python3.12' as const], CompatibleArchitectures: ['x86_64' as const] };

/** The `create_lambda_function` fixture's request for a Python echo function (its default runtime), without waiting. */
const fixtureFunction = (c: ReplayContext, FunctionName: string) => ({
  FunctionName,
  Runtime: 'python3.12' as const,
  Handler: 'handler.handler',
  Role: c.role,
  Code: { ZipFile: c.archive('handler.py', 'def handler(event, context):\n    return event\n') },
  Timeout: 30,
  Environment: { Variables: {} },
  Tags: {},
});

/** Fails the replay where the recorded test asserts, as its `assert` would. */
function expectThat(holds: boolean, what: string): void {
  if (!holds) throw new Error(`the recorded test asserts ${what}`);
}

/** test_lambda_api.py's TestLambdaLayer, by snapshot key. */
export const LAYER_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    RUNTIME_BATCHES.map((runtimes, i) => [`TestLambdaLayer::test_layer_compatibilities[runtimes${i}]`, compatibilities(runtimes)]),
  ),
  'TestLambdaLayer::test_layer_lifecycle': async (c) => {
    const functionName = c.name('fn-layer');
    const layerName = c.name('testlayer');
    const details = { LicenseInfo: c.name('licenseinfo'), Description: c.name('description') };
    const python = { CompatibleRuntimes: ['python3.12' as const], CompatibleArchitectures: ['x86_64' as const], ...details };
    await c.create(functionName, { Code: { ZipFile: c.archive('handler.py', 'def handler(event, context):\n    return event\n') } });
    const live: Answer = { get_fn_result: await c.call(new GetFunctionCommand({ FunctionName: functionName })) };
    live.get_fn_config_result = await c.call(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    live.publish_result = await publish(c, layerName, python);
    live.publish_result_2 = await publish(c, layerName, python);
    const first = live.publish_result as { Version: number; LayerVersionArn: string; Content: { CodeSha256: string } };
    const second = live.publish_result_2 as typeof first;
    expectThat(first.Version === 1 && second.Version === 2, 'the versions are 1 and 2');
    expectThat(first.Content.CodeSha256 === second.Content.CodeSha256, 'both versions have the same CodeSha256');
    live.update_fn_config = await c.call(
      new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Layers: [first.LayerVersionArn] }),
    );
    await c.updated(functionName);
    live.get_fn_config = await c.call(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    live.get_layer_ver_result = await layerVersion(c, layerName, 1);
    live.get_layer_by_arn_version = await c.call(new GetLayerVersionByArnCommand({ Arn: first.LayerVersionArn }));
    live.list_layer_versions_predelete = await c.call(new ListLayerVersionsCommand({ LayerName: layerName }));
    live.delete_layer_1 = await deleteVersion(c, layerName, 1);
    live.get_fn_config_postdelete = await c.call(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    live.delete_layer_2 = await deleteVersion(c, layerName, 2);
    live.list_layer_versions_postdelete = await c.call(new ListLayerVersionsCommand({ LayerName: layerName }));
    live.publish_result_3 = await publish(c, layerName, python);
    expectThat((live.publish_result_3 as { Version: number }).Version === 3, 'a version published after all were deleted is 3');
    return live;
  },
  'TestLambdaLayer::test_layer_exceptions': async (c) => {
    const layerName = c.name('testlayer');
    const live: Answer = {
      publish_result: await publish(c, layerName, { CompatibleRuntimes: ['python3.12'], CompatibleArchitectures: ['x86_64'] }),
    };
    const layerArn = String((live.publish_result as { LayerArn: string }).LayerArn);
    live.list_layers_exc_compatibleruntime_invalid = await c.call(
      new ListLayersCommand({ CompatibleRuntime: 'runtimedoesnotexist' as never }),
    );
    live.list_layers_exc_compatiblearchitecture_invalid = await c.call(
      new ListLayersCommand({ CompatibleArchitecture: 'archdoesnotexist' as never }),
    );
    live.list_nonexistent_layer = await c.call(new ListLayerVersionsCommand({ LayerName: 'layerdoesnotexist' }));
    live.get_layer_version_exc_layer_doesnotexist = await layerVersion(c, 'layerdoesnotexist', 1);
    live.get_layer_version_exc_layer_version_doesnotexist_negative = await layerVersion(c, layerName, -1);
    live.get_layer_version_exc_layer_version_doesnotexist_zero = await layerVersion(c, layerName, 0);
    live.get_layer_version_exc_layer_version_doesnotexist_2 = await layerVersion(c, layerName, 2);
    live.get_layer_version_by_arn_exc_invalidarn = await c.call(new GetLayerVersionByArnCommand({ Arn: layerArn }));
    live.get_layer_version_by_arn_exc_nonexistentversion = await c.call(new GetLayerVersionByArnCommand({ Arn: `${layerArn}:2` }));
    live.delete_nonexistent_response = await deleteVersion(c, 'layerdoesnotexist', 1);
    live.delete_nonexistent_version_response = await deleteVersion(c, layerName, 2);
    live.delete_layer_response = await deleteVersion(c, layerName, 1);
    live.delete_layer_again_response = await deleteVersion(c, layerName, 1);
    live.delete_layer_version_exc_layerversion_invalid_version = await deleteVersion(c, layerName, -1);
    live.publish_empty_result = await publish(c, c.name('testlayer-empty'), { CompatibleRuntimes: [], CompatibleArchitectures: [] });
    live.publish_layer_version_exc_invalid_runtime_arch = await publish(c, c.name('testlayer-2'), {
      CompatibleRuntimes: ['invalidruntime' as never],
      CompatibleArchitectures: ['invalidarch' as never],
    });
    live.publish_layer_version_exc_partially_invalid_values = await publish(c, c.name('testlayer-2'), {
      CompatibleRuntimes: ['invalidruntime', 'invalidruntime2', 'nodejs20.x'] as never,
      CompatibleArchitectures: ['invalidarch', 'x86_64'] as never,
    });
    return live;
  },
  'TestLambdaLayer::test_layer_policy_exceptions': async (c) => {
    const layerName = c.name('layer4policy');
    const missing = `${layerName}-doesnotexist`;
    const live: Answer = { publish_result: await publish(c, layerName, pythonLayer) };
    live.layer_permission_nopolicy_get = await layerPolicy(c, layerName);
    live.add_layer_permission_result = await permit(c, layerName, {});
    live.layer_permission_action_invalid = await permit(c, layerName, { Action: '*', StatementId: c.name('s') });
    live.layer_permission_duplicate_statement = await permit(c, layerName, {});
    live.layer_permission_wrong_revision = await permit(c, layerName, { StatementId: 's2', RevisionId: 'wrong' });
    live.layer_permission_layername_doesnotexist_add = await permit(c, missing, { StatementId: c.name('s') });
    live.layer_permission_layername_doesnotexist_get = await layerPolicy(c, missing);
    live.layer_permission_layername_doesnotexist_remove = await unpermit(c, missing, 's1');
    live.layer_permission_layerversion_doesnotexist_add = await permit(c, layerName, { VersionNumber: 2, StatementId: c.name('s') });
    live.layer_permission_layerversion_doesnotexist_get = await layerPolicy(c, layerName, 2);
    live.layer_permission_layerversion_doesnotexist_remove = await unpermit(c, layerName, 's1', { VersionNumber: 2 });
    live.layer_permission_statementid_doesnotexist_remove = await unpermit(c, layerName, 'doesnotexist');
    live.layer_permission_wrong_revision_remove = await unpermit(c, layerName, 's1', { RevisionId: 'wrong' });
    return live;
  },
  'TestLambdaLayer::test_layer_policy_lifecycle': async (c) => {
    const layerName = c.name('testlayer');
    const live: Answer = { publish_result: await publish(c, layerName, pythonLayer) };
    live.add_policy_s1 = await permit(c, layerName, {});
    live.get_layer_version_policy = await layerPolicy(c, layerName);
    const revision = (answer: unknown) => String((answer as { RevisionId: string }).RevisionId);
    live.add_policy_s2 = await permit(c, layerName, { StatementId: 's2', RevisionId: revision(live.get_layer_version_policy) });
    live.get_layer_version_policy_postadd2 = await layerPolicy(c, layerName);
    live.remove_s2 = await unpermit(c, layerName, 's2', { RevisionId: revision(live.get_layer_version_policy_postadd2) });
    live.get_layer_version_policy_postdeletes2 = await layerPolicy(c, layerName);
    return live;
  },
  'TestLambdaLayer::test_layer_function_exceptions': async (c) => {
    const layerName = c.name('testlayer');
    const empty = { CompatibleRuntimes: [], CompatibleArchitectures: ['x86_64' as const] };
    const live: Answer = { publish_result: await publish(c, layerName, empty) };
    live.publish_result_2 = await publish(c, layerName, empty);
    live.publish_result_3 = await publish(c, layerName, empty);
    const arnOf = (key: string) => String((live[key] as { LayerVersionArn: string }).LayerVersionArn);
    const layerArn = String((live.publish_result as { LayerArn: string }).LayerArn);
    const functionName = c.name('fn-layer');
    const echo = { Code: { ZipFile: c.archive('handler.py', 'def handler(event, context):\n    return event\n') } };
    await c.create(functionName, echo);
    live.get_fn_result = await c.call(new GetFunctionCommand({ FunctionName: functionName }));
    const layered = (Layers: string[]) => c.call(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Layers }));
    live.two_layer_versions_single_function_exc = await layered([arnOf('publish_result'), arnOf('publish_result_2')]);
    live.three_layer_versions_single_function_exc = await layered([
      arnOf('publish_result'),
      arnOf('publish_result_2'),
      arnOf('publish_result_3'),
    ]);
    live.two_identical_layer_versions_single_function_exc = await layered([arnOf('publish_result'), arnOf('publish_result')]);
    live.add_nonexistent_layer_exc = await layered([`${layerArn.replace(layerName, 'doesnotexist')}:1`]);
    live.add_nonexistent_layer_version_exc = await layered([`${layerArn}:9`]);
    live.add_layer_arn_without_version_exc = await layered([layerArn]);
    // The test publishes the layer in a second region; the local runtime serves one, so its version's ARN is named.
    const otherRegion = `${layerArn.replace(`:${region}:`, ':eu-west-1:')}:1`;
    live.create_function_with_layer_in_different_region = await c.call(
      new CreateFunctionCommand({ ...fixtureFunction(c, functionName), Layers: [otherRegion] }),
    );
    return live;
  },
  'TestLambdaLayer::test_layer_function_quota_exception': async (c) => {
    const arns: string[] = [];
    for (let n = 1; n <= 6; n++) {
      const published = await c.lambda.send(
        new PublishLayerVersionCommand({
          LayerName: c.name(`testlayer-${n}`),
          Content: { ZipFile: DUMMY_LAYER },
          CompatibleArchitectures: ['x86_64'],
        }),
      );
      arns.push(String(published.LayerVersionArn));
    }
    return {
      create_function_with_six_layers: await c.call(new CreateFunctionCommand({ ...fixtureFunction(c, c.name('fn-layer')), Layers: arns })),
    };
  },
  'TestLambdaLayer::test_layer_s3_content': async (c) => {
    const bucket = c.name('bucket').toLowerCase();
    await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: '/layercontent.zip', Body: DUMMY_LAYER }));
    return {
      publish_layer_result: await c.call(
        new PublishLayerVersionCommand({ LayerName: c.name('bucket-layer'), Content: { S3Bucket: bucket, S3Key: '/layercontent.zip' } }),
      ),
    };
  },
};

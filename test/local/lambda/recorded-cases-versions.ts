import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { type Answer, ECHO, type Replay, type ReplayContext, sortedBy, zipFunction } from './recorded-replay.js';

const get = (c: ReplayContext, FunctionName: string, Qualifier?: string) => c.call(new GetFunctionCommand({ FunctionName, Qualifier }));
const versionsOf = (c: ReplayContext, FunctionName: string) => c.call(new ListVersionsByFunctionCommand({ FunctionName }));

/** An alias function with versions 1 (testenv staging) and 2 (testenv prod), as the alias cases make it. */
async function twoVersions(c: ReplayContext, name: string, create: object, live: Answer): Promise<void> {
  live.create_response = await zipFunction(c, name, { Environment: { Variables: { testenv: 'staging' } }, ...create });
  live.publish_v1 = await c.call(new PublishVersionCommand({ FunctionName: name }));
  await c.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { testenv: 'prod' } } }));
  await c.updated(name);
  live.publish_v2 = await c.call(new PublishVersionCommand({ FunctionName: name }));
}

/** test_lambda_api.py's TestLambdaVersions and TestLambdaAlias, by snapshot key. */
export const VERSION_CASES: Record<string, Replay> = {
  'TestLambdaVersions::test_publish_version_on_create': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await zipFunction(c, name, { Publish: true }) };
    live.get_function_result = await get(c, name);
    live.get_function_version_result = await get(c, name, '1');
    live.get_function_latest_result = await get(c, name, '$LATEST');
    live.list_versions_result = await versionsOf(c, name);
    live.repeated_publish_response = await c.call(
      new PublishVersionCommand({ FunctionName: name, Description: 'Repeated version description :)' }),
    );
    live.list_versions_result_after_publish = await versionsOf(c, name);
    return live;
  },
  'TestLambdaVersions::test_version_lifecycle': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await zipFunction(c, name, { Description: 'No version :(' }) };
    live.get_function_result = await get(c, name);
    live.list_versions_result = await versionsOf(c, name);
    live.first_update_response = await c.call(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: 'First version :)' }),
    );
    await c.updated(name);
    live.first_update_get_function = await get(c, name);
    live.first_publish_response = await c.call(
      new PublishVersionCommand({ FunctionName: name, Description: 'First version description :)' }),
    );
    const first = String((live.first_publish_response as { Version: string }).Version);
    live.first_publish_get_function = await get(c, name, first);
    live.first_publish_get_function_config = await c.call(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: first }));
    live.second_update_response = await c.call(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: 'Second version :))' }),
    );
    await c.updated(name);
    live.first_publish_get_function_after_update = await get(c, name, first);
    live.second_publish_response = await c.call(new PublishVersionCommand({ FunctionName: name }));
    live.third_publish_response = await c.call(
      new PublishVersionCommand({ FunctionName: name, Description: 'Third version description :)))' }),
    );
    live.list_versions_result_after_third_publish = await versionsOf(c, name);
    await c.lambda.send(new DeleteFunctionCommand({ FunctionName: `${name}:${first}` }));
    live.list_versions_result_after_deletion_of_first_version = await versionsOf(c, name);
    return live;
  },
  'TestLambdaVersions::test_publish_with_wrong_sha256': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_response: await zipFunction(c, name) };
    live.get_fn_response = await get(c, name);
    live.publish_wrong_sha256_exc = await c.call(new PublishVersionCommand({ FunctionName: name, CodeSha256: 'somenonexistentsha256' }));
    const sha = (live.get_fn_response as { Configuration: { CodeSha256: string } }).Configuration.CodeSha256;
    live.publish_result = await c.call(new PublishVersionCommand({ FunctionName: name, CodeSha256: sha }));
    return live;
  },
  'TestLambdaAlias::test_alias_lifecycle': async (c) => {
    const name = c.name('alias-fn');
    const live: Answer = {};
    await twoVersions(c, name, {}, live);
    const alias = (Name: string, FunctionVersion: string, extra: object = {}) =>
      c.call(new CreateAliasCommand({ FunctionName: name, Name, FunctionVersion, ...extra }));
    const getAlias = (Name: string) => c.call(new GetAliasCommand({ FunctionName: name, Name }));
    const aliases = async (FunctionVersion?: string) =>
      sortedBy(await c.call(new ListAliasesCommand({ FunctionName: name, FunctionVersion })), 'Aliases', 'Name');
    live.create_alias_1_1 = await alias('aliasname1_1', '1', {
      Description: 'custom-alias',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } },
    });
    live.get_alias_1_1 = await getAlias('aliasname1_1');
    live.get_function_alias_1_1 = await get(c, name, 'aliasname1_1');
    const aliasArn = String((live.create_alias_1_1 as { AliasArn: string }).AliasArn);
    live.get_function_byarn_alias_1_1 = await get(c, aliasArn);
    live.get_function_alias_notfound_exc = await get(c, name, 'aliasdoesnotexist');
    live.get_function_alias_byarn_notfound_exc = await get(c, aliasArn.replace('aliasname1_1', 'aliasdoesnotexist'));
    live.create_alias_1_2 = await alias('aliasname1_2', '1', { Description: 'custom-alias' });
    live.get_alias_1_2 = await getAlias('aliasname1_2');
    live.create_alias_1_3 = await alias('aliasname1_3', '1');
    live.get_alias_1_3 = await getAlias('aliasname1_3');
    live.create_alias_2 = await alias('aliasname2', '2', { Description: 'custom-alias' });
    live.get_alias_2 = await getAlias('aliasname2');
    live.list_aliases_for_fnname = sortedBy(
      await c.paginate((Marker) => new ListAliasesCommand({ FunctionName: name, MaxItems: 1, Marker }), 'Aliases'),
      'Aliases',
      'Name',
    );
    live.update_alias_1_1 = await c.call(
      new UpdateAliasCommand({ FunctionName: name, Name: 'aliasname1_1', RoutingConfig: { AdditionalVersionWeights: {} } }),
    );
    live.get_alias_1_1_after_update = await getAlias('aliasname1_1');
    live.list_aliases_for_fnname_after_update = await aliases();
    live.update_alias_1_2 = await c.call(new UpdateAliasCommand({ FunctionName: name, Name: 'aliasname1_2' }));
    live.get_alias_1_2_after_update = await getAlias('aliasname1_2');
    live.list_aliases_for_fnname_after_update_2 = await aliases();
    live.list_aliases_for_version = await aliases('1');
    live.delete_alias_response = await c.call(new DeleteAliasCommand({ FunctionName: name, Name: 'aliasname1_1' }));
    live.list_aliases_for_fnname_afterdelete = await aliases();
    return live;
  },
  'TestLambdaAlias::test_non_existent_alias_deletion': async (c) => {
    const name = c.name('alias-fn');
    return {
      create_response: await zipFunction(c, name, { Environment: { Variables: { testenv: 'staging' } } }),
      delete_alias_response: await c.call(new DeleteAliasCommand({ FunctionName: name, Name: 'non-existent' })),
    };
  },
  'TestLambdaAlias::test_non_existent_alias_update': async (c) => {
    const name = c.name('alias-fn');
    return {
      create_response: await zipFunction(c, name, { Environment: { Variables: { testenv: 'staging' } } }),
      update_alias_response: await c.call(new UpdateAliasCommand({ FunctionName: name, Name: 'non-existent' })),
    };
  },
  'TestLambdaAlias::test_notfound_and_invalid_routingconfigs': async (c) => {
    const name = c.name('alias-fn');
    const live: Answer = {};
    await twoVersions(c, name, { Publish: true }, live);
    const alias = (FunctionVersion: string, weights: Record<string, number> | undefined, Name = 'custom', FunctionName = name) =>
      c.call(
        new CreateAliasCommand({
          FunctionName,
          Name,
          FunctionVersion,
          ...(weights ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
        }),
      );
    live.routing_config_exc_toomany = await alias('1', { '1': 0.8, '2': 0.2 });
    live.routing_config_exc_toohigh = await alias('1', { '2': 2 });
    live.routing_config_exc_subzero = await alias('1', { '2': -1 });
    live.routing_config_exc_sameversion = await alias('1', { '1': 0.5 });
    live.target_version_doesnotexist = await alias('10', { '2': 0.5 });
    live.routing_config_exc_version_doesnotexist = await alias('1', { '10': 0.5 });
    live.target_version_exc_version_latest = await alias('$LATEST', { '1': 0.5 });
    live.routing_config_exc_version_latest = await alias('1', { $LATEST: 0.5 });
    live['create-alias-latest'] = await alias('$LATEST', undefined, 'custom-latest');
    live.routing_config_exc_fn_doesnotexist = await alias('1', { '2': 0.5 }, 'custom', `${name}-unknown`);
    live.create_alias_empty_routingconfig = await alias('1', {}, 'custom-empty-routingconfig');
    live.create_alias_response = await alias('1', { '2': 0.5 });
    live.routing_config_exc_already_exist = await alias('1', { '2': 0.5 });
    live.alias_does_not_exist_esc = await c.call(new GetAliasCommand({ FunctionName: name, Name: 'non-existent' }));
    return live;
  },
  'TestLambdaRevisions::test_function_revisions_basic': async (c) => {
    const name = c.name('fn');
    // TEST_LAMBDA_PYTHON_ECHO_ZIP: one archive, uploaded again unchanged.
    const zip = c.archive('index.py', ECHO['handler.py'] ?? '');
    const live: Answer = { create_function_response_rev1: await c.create(name, { Code: { ZipFile: zip }, Handler: 'index.handler' }) };
    live.get_function_response_rev2 = await get(c, name);
    const revision = (answer: unknown) => String((answer as { Configuration: { RevisionId: string } }).Configuration.RevisionId);
    live.update_function_revision_exception = await c.call(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip, RevisionId: 'wrong' }),
    );
    live.update_function_code_response_rev3 = await c.call(
      new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip, RevisionId: revision(live.get_function_response_rev2) }),
    );
    await c.updated(name);
    live.get_function_response_rev4 = await get(c, name);
    live.update_function_configuration_revision_exception = await c.call(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, Runtime: 'python3.8', RevisionId: 'wrong' }),
    );
    live.update_function_configuration_response_rev5 = await c.call(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Runtime: 'python3.8',
        RevisionId: revision(live.get_function_response_rev4),
      }),
    );
    await c.updated(name);
    live.get_function_response_rev6 = await get(c, name);
    return live;
  },
  'TestLambdaRevisions::test_function_revisions_version_and_alias': async (c) => {
    const name = c.name('fn');
    const live: Answer = { create_function_response_rev1: await c.create(name) };
    live.get_function_active_rev2 = await get(c, name);
    const active = String((live.get_function_active_rev2 as { Configuration: { RevisionId: string } }).Configuration.RevisionId);
    live.publish_version_revision_exception = await c.call(new PublishVersionCommand({ FunctionName: name, RevisionId: 'wrong' }));
    live.publish_version_response_rev_v1 = await c.call(new PublishVersionCommand({ FunctionName: name, RevisionId: active }));
    const version = String((live.publish_version_response_rev_v1 as { Version: string }).Version);
    live.get_function_published_version_rev_v2 = await get(c, name, version);
    live.get_function_latest_rev3 = await get(c, name);
    live.create_alias_response_rev_a1 = await c.call(
      new CreateAliasCommand({ FunctionName: name, Name: 'revision_alias', FunctionVersion: version }),
    );
    live.get_function_latest_rev4 = await get(c, name);
    live.get_function_published_version_rev_v3 = await get(c, name, version);
    live.update_alias_revision_exception = await c.call(
      new UpdateAliasCommand({ FunctionName: name, Name: 'revision_alias', RevisionId: 'wrong' }),
    );
    const aliasRevision = String((live.create_alias_response_rev_a1 as { RevisionId: string }).RevisionId);
    live.update_alias_response_rev_a2 = await c.call(
      new UpdateAliasCommand({ FunctionName: name, Name: 'revision_alias', Description: 'something changed', RevisionId: aliasRevision }),
    );
    return live;
  },
};

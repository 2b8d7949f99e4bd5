import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
  ValidateResourcePolicyCommand,
} from '@aws-sdk/client-secrets-manager';
import { type Answer, type ReplayCalls, secretName, withVersionPlaceholders } from './recorded-replay.js';

type Case = () => Promise<Answer>;

/** The names `test_invalid_secret_name` is run with (its parametrization). */
const INVALID_NAMES = ['Inv Name', ' Inv Name', ' Inv*Name? ', ' Inv *?!]Name\\-'];

/** A parameter as pytest writes it in a test's id: a backslash escaped. */
const pytestId = (value: string) => value.replaceAll('\\', '\\\\');

/** The names `test_create_and_update_secret` is run with. */
const VALID_NAMES = ['s-c64bdc03', 'Valid/_+=.@-Name', 'Valid/_+=.@-Name-a1b2', 'Valid/_+=.@-Name-a1b2c3-'];

/**
 * The recorded tests of UpdateSecret, UpdateSecretVersionStage and ListSecretVersionIds
 * (LocalStack's test_secretsmanager.py), call by call: the version stages moved by each.
 */
export function stageCases({ call, failure }: ReplayCalls): Record<string, Case> {
  const create = (Name: string, SecretString: string) => call(new CreateSecretCommand({ Name, SecretString }));
  const put = (SecretId: string, SecretString: string, VersionStages?: string[]) =>
    call(new PutSecretValueCommand({ SecretId, SecretString, ...(VersionStages ? { VersionStages } : {}) }));
  const list = (SecretId: string, IncludeDeprecated?: boolean) =>
    call(new ListSecretVersionIdsCommand({ SecretId, ...(IncludeDeprecated ? { IncludeDeprecated } : {}) }));
  const get = (SecretId: string, VersionId?: string) => call(new GetSecretValueCommand({ SecretId, ...(VersionId ? { VersionId } : {}) }));
  const move = (SecretId: string, VersionStage: string, RemoveFromVersionId?: unknown, MoveToVersionId?: unknown) =>
    call(
      new UpdateSecretVersionStageCommand({
        SecretId,
        VersionStage,
        ...(RemoveFromVersionId === undefined ? {} : { RemoveFromVersionId: String(RemoveFromVersionId) }),
        ...(MoveToVersionId === undefined ? {} : { MoveToVersionId: String(MoveToVersionId) }),
      }),
    );
  const forceDelete = (SecretId: string) => call(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }));

  /** test_update_secret_version_stages_current_pending_cycle(_custom_stages_1): labels given to the first and second puts. */
  const pendingCycle =
    (first: string[], second: string[], keys: { move0: string; move1: string }): Case =>
    async () => {
      const name = secretName();
      const a: Answer = { create_secret_rs_0: await create(name, 'S1') };
      const vid0 = (a.create_secret_rs_0 as Answer).VersionId;
      a.put_secret_value_res_0 = await put(name, 'S2', first);
      const vid1 = (a.put_secret_value_res_0 as Answer).VersionId;
      a.list_secret_version_ids_res_0 = await list(name);
      a.get_secret_value_res_0 = await get(name);
      a[keys.move0] = await move(name, 'AWSCURRENT', vid0, vid1);
      a.list_secret_version_ids_res_1 = await list(name);
      a.get_secret_value_res_1 = await get(name);
      a.put_secret_value_res_1 = await put(name, 'S3', second);
      const vid2 = (a.put_secret_value_res_1 as Answer).VersionId;
      a.list_secret_version_ids_res_2 = await list(name);
      a.get_secret_value_res_2 = await get(name);
      a[keys.move1] = await move(name, 'AWSCURRENT', vid1, vid2);
      a.list_secret_version_ids_res_3 = await list(name);
      a.get_secret_value_res_3 = await get(name);
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    };

  /** test_non_versioning_version_stages_(no_)replacement: custom labels put twice, the second time `second`. */
  const nonVersioning =
    (second: string[]): Case =>
    async () => {
      const name = secretName();
      const a: Answer = { create_secret_rs_0: await create(name, 'S0') };
      a.put_secret_value_res_0 = await put(name, 'S1', ['one', 'two', 'three']);
      a.list_secret_version_ids_res_0 = await list(name);
      a.put_secret_value_res_1 = await put(name, 'S2', second);
      a.list_secret_version_ids_res_1 = await list(name);
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    };

  const invalidName =
    (name: string): Case =>
    async () => ({
      ex_log_1: await failure(new CreateSecretCommand({ Name: name, SecretString: 'MySecretString' })),
      ex_log_2: await failure(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true })),
      ex_log_3: await failure(new DescribeSecretCommand({ SecretId: name })),
      ex_log_4: await failure(new GetSecretValueCommand({ SecretId: name })),
      ex_log_5: await failure(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true })),
      ex_log_6: await failure(new PutSecretValueCommand({ SecretId: name, SecretString: 'MySecretString' })),
      ex_log_7: await failure(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'FirstTag', Value: 'SomeValue' }] })),
      ex_log_8: await failure(new UntagResourceCommand({ SecretId: name, TagKeys: ['FirstTag'] })),
      ex_log_9: await failure(new UpdateSecretCommand({ SecretId: name, Description: 'MyNewDescription' })),
      ex_log_10: await failure(
        new ValidateResourcePolicyCommand({
          SecretId: name,
          ResourcePolicy:
            '{\n"Version":"2012-10-17",\n"Statement":[{\n"Effect":"Allow",\n"Principal":{\n"AWS":"arn:aws:iam::123456789012:root"\n},\n"Action":"secretsmanager:GetSecretValue",\n"Resource":"*"\n}]\n}',
        }),
      ),
    });

  const createAndUpdate =
    (name: string): Case =>
    async () => {
      const a: Answer = {
        create_secret_rs_1: await call(
          new CreateSecretCommand({ Name: name, SecretString: 'my_secret', Description: 'Testing secret creation.' }),
        ),
      };
      const arn = String((a.create_secret_rs_1 as Answer).ARN);
      a.get_secret_value_rs_1 = await get(name);
      a.describe_secret_rs_1 = withVersionPlaceholders(await call(new DescribeSecretCommand({ SecretId: name })), [
        (a.create_secret_rs_1 as Answer).VersionId,
      ]);
      a.get_secret_value_rs_2 = await get(arn);
      a.get_secret_value_rs_3 = await get(arn.slice(0, -7));
      a.put_secret_value_rs_1 = await put(name, 'new_secret');
      a.get_secret_value_rs_4 = await get(name);
      a.update_secret_res_1 = await call(new UpdateSecretCommand({ SecretId: arn, SecretString: 'test123', Description: 'd1' }));
      a.delete_secret_res_1 = await forceDelete(name);
      return a;
    };

  return {
    ...Object.fromEntries(INVALID_NAMES.map((name) => [`test_invalid_secret_name[${pytestId(name)}]`, invalidName(name)])),
    ...Object.fromEntries(VALID_NAMES.map((name) => [`test_create_and_update_secret[${name}]`, createAndUpdate(name)])),
    test_update_secret_description: async () => {
      const name = secretName();
      const versions: unknown[] = [];
      const describe = async () => withVersionPlaceholders(await call(new DescribeSecretCommand({ SecretId: name })), versions);
      const update = async (input: Record<string, string>) => {
        const answer = await call(new UpdateSecretCommand({ SecretId: name, ...input }));
        if (answer.VersionId) versions.push(answer.VersionId);
        return answer;
      };
      const a: Answer = { create_secret_rs_0: await create(name, 'MySecretString') };
      versions.push((a.create_secret_rs_0 as Answer).VersionId);
      a.describe_secret_res_0 = await describe();
      a.update_secret_res_0 = await update({ Description: 'MyDescription' });
      a.describe_secret_res_1 = await describe();
      a.update_secret_res_1 = await update({ SecretString: 'MyNewSecretString', Description: 'MyNewDescription' });
      a.describe_secret_res_2 = await describe();
      a.update_secret_res_2 = await update({ SecretString: 'MyNewSecretString'.repeat(2) });
      a.describe_secret_res_3 = await describe();
      a.update_secret_res_3 = await update({});
      a.describe_secret_res_4 = await describe();
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    },
    test_update_secret_version_stages_return_type: async () => {
      const name = secretName();
      const a: Answer = { create_secret_rs_0: await create(name, 'Something1') };
      a.put_secret_value_res_0 = await put(name, 'Something2', ['AWSPENDING']);
      a.update_secret_version_stage_res_0 = await move(
        name,
        'AWSCURRENT',
        (a.create_secret_rs_0 as Answer).VersionId,
        (a.put_secret_value_res_0 as Answer).VersionId,
      );
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    },
    test_update_secret_version_stages_current_previous: async () => {
      const name = secretName();
      const a: Answer = { create_secret_rs_0: await create(name, 'secret_string_v0') };
      a.list_secret_version_ids_res_0 = await list(name);
      a.update_secret_res_0 = await call(new UpdateSecretCommand({ SecretId: name, SecretString: 'secret_string_v1' }));
      a.list_secret_version_ids_res_1 = await list(name);
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    },
    test_update_secret_version_stages_current_pending: async () => {
      const name = secretName();
      const a: Answer = { create_secret_rs_0: await create(name, 'Something1') };
      a.put_secret_value_res_0 = await put(name, 'Something2', ['AWSPENDING']);
      a.list_secret_version_ids_res_0 = await list(name);
      a.update_secret_version_stage_res_0 = await move(
        name,
        'AWSCURRENT',
        (a.create_secret_rs_0 as Answer).VersionId,
        (a.put_secret_value_res_0 as Answer).VersionId,
      );
      a.list_secret_version_ids_res_1 = await list(name);
      a.put_secret_value_res_1 = await put(name, 'SS3');
      a.list_secret_version_ids_res_2 = await list(name);
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    },
    test_update_secret_version_stages_current_pending_cycle: pendingCycle(['AWSPENDING'], ['AWSPENDING'], {
      move0: 'update_secret_version_stage_res_0',
      move1: 'put_secret_value_res_2',
    }),
    test_update_secret_version_stages_current_pending_cycle_custom_stages_1: pendingCycle(
      ['AWSSOMETHING', 'AWSPENDING', 'PUT1'],
      ['AWSPENDING', 'PUT2'],
      { move0: 'update_secret_version_stage_res_0', move1: 'update_secret_version_stage_res_1' },
    ),
    test_update_secret_version_stages_current_pending_cycle_custom_stages_2: async () => {
      const name = secretName();
      const a: Answer = { create_secret_rs_0: await create(name, 'SS') };
      a.put_secret_value_res_0 = await put(name, 'S1', ['AWSCURRENT', 'PUT0']);
      const vid0 = (a.put_secret_value_res_0 as Answer).VersionId;
      a.list_secret_version_ids_res_0 = await list(name);
      a.put_secret_value_res_1 = await put(name, 'S2', ['AWSPENDING', 'PUT1']);
      const vid1 = (a.put_secret_value_res_1 as Answer).VersionId;
      a.list_secret_version_ids_res_1 = await list(name);
      a.get_secret_value_res_0 = await get(name);
      a.update_secret_version_stage_res_0 = await move(name, 'AWSCURRENT', vid0, vid1);
      a.list_secret_version_ids_res_2 = await list(name);
      a.get_secret_value_res_1 = await get(name);
      a.put_secret_value_res_2 = await put(name, 'S3', ['AWSPENDING', 'PUT2']);
      const vid2 = (a.put_secret_value_res_2 as Answer).VersionId;
      a.list_secret_version_ids_res_3 = await list(name);
      a.get_secret_value_res_2 = await get(name);
      a.update_secret_version_stage_res_1 = await move(name, 'AWSCURRENT', vid1, vid2);
      a.list_secret_version_ids_res_4 = await list(name);
      a.get_secret_value_res_3 = await get(name);
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    },
    test_update_secret_version_stages_current_pending_cycle_custom_stages_3: async () => {
      const name = secretName();
      const a: Answer = { create_secret_rs: await create(name, 'SS') };
      const v1 = String((a.create_secret_rs as Answer).VersionId);
      a.put_secret_value_res_0 = await put(name, 'S1', ['PENDING']);
      const v2 = String((a.put_secret_value_res_0 as Answer).VersionId);
      a.list_secret_version_ids_rs = await list(name);
      a.get_secret_value_v1_rs = await get(name, v1);
      a.get_secret_value_v2_rs = await get(name, v2);
      a.update_secret_version_stage_res_1 = await move(name, 'AWSCURRENT', v1, v2);
      a.get_secret_value_v1_rs_1 = await get(name, v1);
      a.get_secret_value_v2_rs_1 = await get(name, v2);
      a.update_secret_version_stage_res_2 = await move(name, 'PENDING', v2);
      a.get_secret_value_v1_rs_2 = await get(name, v1);
      a.get_secret_value_v2_rs_2 = await get(name, v2);
      a.delete_secret_res_0 = await forceDelete(name);
      return a;
    },
    test_non_versioning_version_stages_replacement: nonVersioning(['one', 'two', 'three', 'four']),
    test_non_versioning_version_stages_no_replacement: nonVersioning(['one', 'two', 'four']),
    test_deprecated_secret_version_stage: async () => {
      const name = secretName();
      const a: Answer = {
        create_secret: await call(new CreateSecretCommand({ Name: name, SecretString: 'original', Description: 'My secret' })),
      };
      a.list_secret_version_ids = await list(name);
      a.put_secret_value_1 = await put(name, 'update1');
      a.list_secret_version_ids_1 = await list(name);
      a.put_secret_value_2 = await put(name, 'update2');
      a.list_secret_version_ids_2 = await list(name);
      a.list_secret_version_ids_3 = await list(name, true);
      a.put_secret_value_3 = await put(name, 'update3');
      a.list_secret_version_ids_4 = await list(name);
      a.list_secret_version_ids_5 = await list(name, true);
      return a;
    },
  };
}

import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe } from 'vitest';
import { anyValueUnder, botoShape, itAnswersAsSnapshot, KnownDifferences, withoutMessageCopy } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { inlineFunction } from '../template-resources.js';
import { ROTATION_FUNCTION_CODE, ROTATION_FUNCTION_NAME, rotationCases } from './recorded-cases-rotation.js';
import { stageCases } from './recorded-cases-stages.js';
import { type Answer, type ReplayCalls, secretName, shortUid, withVersionPlaceholders } from './recorded-replay.js';

/**
 * The local Secrets Manager API against answers recorded on real AWS (LocalStack's AWS-validated
 * tests/aws/services/secretsmanager/test_secretsmanager.py; see
 * test/conformance/aws-recorded/secretsmanager/README.md): each recorded test the runtime can
 * replay is replayed call by call through the AWS SDK v3 client and every answer compared with
 * AWS's, modulo the recording's placeholders (the secret's name and ARN, version ids, dates); those
 * of version stages (recorded-cases-stages.ts) and of rotation and resource policies
 * (recorded-cases-rotation.ts, whose rotation function the app holds) have files of their own.
 */
const local = restartableRuntime({
  assembly: () => assemblyOf({ Rotation: inlineFunction(ROTATION_FUNCTION_CODE, { FunctionName: ROTATION_FUNCTION_NAME, Timeout: 30 }) }),
  ownsAssembly: true,
  clients: (runtime) => ({ secrets: new SecretsManagerClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
});

/**
 * The operations test_no_client_request_token sends without ClientRequestToken: AWS refuses each,
 * the local runtime makes one up (a known difference).
 */
const NO_TOKEN_OPERATIONS = ['CreateSecret', 'UpdateSecret', 'RotateSecret', 'PutSecretValue'];

/** Recorded by an older version of the test, which snapshotted what the current one only asserts: not replayed. */
const STALE = ['test_create_multi_secrets', 'test_call_lists_secrets_multiple_times'];

const KNOWN_DIFFERENCES = new KnownDifferences([
  ...STALE.map((test) => ({
    test,
    path: /./,
    reason: 'not replayed: the recording is of an older version of the test (the current one snapshots nothing)',
  })),
  {
    test: 'test_create_multi_secrets_snapshot',
    path: /^list_secrets_res\.SecretList\[\d\]\.SecretVersionsToStages\./,
    reason:
      'the order of the list: AWS listed the three secrets in the order they were made (its ListSecrets sorts by ' +
      'CreatedDate), the local runtime lists them by name; only the version ids show it, the names being placeholders',
  },
  ...NO_TOKEN_OPERATIONS.map((operation) => ({
    test: `test_no_client_request_token[${operation}]`,
    path: /^no-client-request-exc\./,
    reason:
      'AWS refuses a request without ClientRequestToken (the SDKs fill it); the local runtime makes one up, ' +
      'as its Step Functions aws-sdk tasks and template secrets rely on',
  })),
  ...[4, 6].map((n) => ({
    test: 'test_secret_tags',
    path: new RegExp(`^describe_secret_${n}\\.Tags$`),
    reason:
      'AWS answers `Tags: []` for a secret whose tags were all removed (and leaves Tags out for one never tagged); ' +
      'the local runtime leaves it out for both, as its tag store keeps nothing of a secret whose tags are all gone',
  })),
]);

type Sent = { $metadata: { httpStatusCode?: number } };

/** An output as botocore reported it to the recording: without the SDK's `$metadata`, with `ResponseMetadata.HTTPStatusCode`. */
async function call(command: object): Promise<Answer> {
  const { $metadata, ...rest } = (await local.secrets.send(command as never)) as Answer & Sent;
  return { ...(botoShape(rest) as Answer), ResponseMetadata: { HTTPStatusCode: $metadata.httpStatusCode } };
}

/** A refused call's error: as `ClientError.response` (code, message and status), or as `str(ClientError)` with `asText`. */
async function failure(command: object, { asText = false } = {}): Promise<unknown> {
  try {
    await local.secrets.send(command as never);
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    if (e.$metadata === undefined) throw error;
    const operation = command.constructor.name.replace(/Command$/, '');
    if (asText) return `An error occurred (${e.name}) when calling the ${operation} operation: ${e.message}`;
    return { Error: { Code: e.name, Message: e.message }, ResponseMetadata: { HTTPStatusCode: e.$metadata.httpStatusCode } };
  }
  throw new Error('the call succeeded; the recording expects an error');
}

/** The test's plain HTTP request (`aws_http_client_factory`): the JSON AWS answers, before an SDK decodes it. */
async function rawCall(target: string, body: Answer): Promise<unknown> {
  return (await rawAnswer(target, body)).body;
}

async function rawAnswer(target: string, body: Answer): Promise<{ status: number; body: unknown }> {
  const response = await fetch(local.runtime.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `secretsmanager.${target}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${region}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const replayed: Readonly<Record<string, () => Promise<Answer>>> = {
  test_can_recreate_delete_secret: async () => {
    const Name = secretName();
    const strip = ({ ResponseMetadata: _, ...rest }: Answer) => rest;
    const create_secret_res_0 = strip(await call(new CreateSecretCommand({ Name, SecretString: `secretstr-${shortUid()}` })));
    const delete_res_1 = strip(await call(new DeleteSecretCommand({ SecretId: Name, ForceDeleteWithoutRecovery: true })));
    const create_secret_res_1 = strip(await call(new CreateSecretCommand({ Name, SecretString: `secretstr-${shortUid()}` })));
    return { create_secret_res_0, delete_res_1, create_secret_res_1 };
  },
  test_exp_raised_on_creation_of_secret_scheduled_for_deletion: async () => {
    const Name = secretName();
    const SecretString = `secretstr-${shortUid()}`;
    await call(new CreateSecretCommand({ Name, SecretString }));
    const { ResponseMetadata: _, ...delete_res } = await call(new DeleteSecretCommand({ SecretId: Name, RecoveryWindowInDays: 7 }));
    return { delete_res, invalid_req_ex: await failure(new CreateSecretCommand({ Name, SecretString })) };
  },
  test_create_multi_secrets_snapshot: async () => {
    // Made in reverse order of name, so that the known difference of the list's order shows on every run.
    const names = [shortUid(), shortUid(), shortUid()].sort().reverse();
    const versions: unknown[] = [];
    for (const Name of names) {
      const created = await call(
        new CreateSecretCommand({ Name, SecretString: `my_secret_${Name}`, Description: 'Testing secrets creation.' }),
      );
      versions.push(created.VersionId);
    }
    const answers: Answer = { list_secrets_res: withVersionPlaceholders(await call(new ListSecretsCommand({})), versions) };
    for (const [i, SecretId] of names.entries()) {
      answers[`delete_secret_res${i}`] = await call(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }));
    }
    return answers;
  },
  test_call_lists_secrets_multiple_times_snapshots: async () => {
    const Name = secretName();
    const created = await call(new CreateSecretCommand({ Name, SecretString: 'my_secret', Description: 'testing creation of secrets' }));
    const answers: Answer = { create_secret_rs_1: created };
    for (const i of [0, 1, 2]) {
      answers[`list_secrets_res_${i}`] = withVersionPlaceholders(await call(new ListSecretsCommand({})), [created.VersionId]);
    }
    answers.delete_secret_res_1 = await call(new DeleteSecretCommand({ SecretId: Name, ForceDeleteWithoutRecovery: true }));
    return answers;
  },
  test_put_secret_value_with_version_stages: async () => {
    const SecretId = secretName();
    const get = () => call(new GetSecretValueCommand({ SecretId }));
    const put = (SecretString: string, VersionStages?: string[]) =>
      call(
        new PutSecretValueCommand({
          SecretId,
          SecretString,
          ClientRequestToken: crypto.randomUUID(),
          ...(VersionStages ? { VersionStages } : {}),
        }),
      );
    const answers: Answer = {
      create_secret_rs_0: await call(new CreateSecretCommand({ Name: SecretId, SecretString: 'secret_string_v0' })),
    };
    answers.get_secret_value_res_0 = await get();
    answers.put_secret_value_res_1 = await put('secret_string_v1', ['SAMPLESTAGE1', 'SAMPLESTAGE0']);
    answers.get_secret_value_res_1 = await get();
    answers.put_secret_value_res_2 = await put('secret_string_v2', ['SAMPLESTAGE1', 'SAMPLESTAGE0']);
    answers.get_secret_value_res_2 = await get();
    answers.put_secret_value_res_3 = await put('secret_string_v3', ['AWSPENDING']);
    answers.get_secret_value_res_3 = await get();
    answers.put_secret_value_res_4 = await put('secret_string_v4');
    answers.get_secret_value_res_4 = await get();
    answers.delete_secret_res_1 = await call(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }));
    return answers;
  },
  test_secret_exists_snapshots: async () => {
    const Name = secretName();
    const input = { Name, SecretString: `my_secret_${Name}`, Description: 'Snapshot testing secret already exists.' };
    await call(new CreateSecretCommand(input));
    return {
      ex_log: await failure(new CreateSecretCommand(input)),
      delete_secret_res: await call(new DeleteSecretCommand({ SecretId: Name, ForceDeleteWithoutRecovery: true })),
    };
  },
  test_force_delete_deleted_secret: async () => {
    const created = await call(new CreateSecretCommand({ Name: secretName(), SecretString: `secretstr-${shortUid()}` }));
    const SecretId = created.ARN as string;
    return {
      create_secret_response: created,
      delete_secret_response: await call(new DeleteSecretCommand({ SecretId })),
      describe_secret_response: withVersionPlaceholders(await call(new DescribeSecretCommand({ SecretId })), [created.VersionId]),
      force_delete_secret_response: await call(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true })),
    };
  },
  test_tag_untag_resource_on_deleted_secret: async () => {
    const created = await call(
      new CreateSecretCommand({
        Name: shortUid(),
        SecretString: 'test-secret-value',
        Tags: [{ Key: 'initial-tag', Value: 'initial-value' }],
      }),
    );
    const SecretId = created.ARN as string;
    return {
      create_secret: created,
      delete_secret: await call(new DeleteSecretCommand({ SecretId })),
      tag_deleted_secret_error: await failure(new TagResourceCommand({ SecretId, Tags: [{ Key: 'new-tag', Value: 'new-value' }] })),
      untag_deleted_secret_error: await failure(new UntagResourceCommand({ SecretId, TagKeys: ['initial-tag'] })),
    };
  },
  test_create_secret_version_from_empty_secret: async () => {
    const created = await call(new CreateSecretCommand({ Name: `test-version-${shortUid()}`, Description: '' }));
    const SecretId = created.ARN as string;
    return {
      'create-empty-secret': created,
      'describe-secret': await call(new DescribeSecretCommand({ SecretId })),
      'put-secret-value': await call(new PutSecretValueCommand({ SecretId, SecretString: 'example-string-to-protect' })),
    };
  },
  ...Object.fromEntries(
    NO_TOKEN_OPERATIONS.map((operation) => [
      `test_no_client_request_token[${operation}]`,
      async (): Promise<Answer> => {
        const name = shortUid();
        const named = operation === 'CreateSecret' ? { Name: name } : { SecretId: name };
        const { status, body } = await rawAnswer(operation, { SecretString: 'thisisthesecret', Description: 'My secret string', ...named });
        return { 'no-client-request-exc': { Error: body, Metadata: { StatusCode: status } } };
      },
    ]),
  ),
  test_secret_restore: async () => {
    const SecretId = secretName();
    await call(new CreateSecretCommand({ Name: SecretId, SecretString: 'my_secret', Description: 'test description' }));
    return {
      delete_secret_res: await call(new DeleteSecretCommand({ SecretId })),
      restore_secret_res: await call(new RestoreSecretCommand({ SecretId })),
    };
  },
  test_secret_tags: async () => {
    const created = await call(new CreateSecretCommand({ Name: shortUid() }));
    const SecretId = created.ARN as string;
    const describe = () => call(new DescribeSecretCommand({ SecretId }));
    const answers: Answer = { create_secret: created, describe_secret: await describe() };
    answers.tag_resource_1 = await call(new TagResourceCommand({ SecretId, Tags: [{ Key: 'tag1', Value: 'value1' }] }));
    answers.describe_secret_1 = await describe();
    answers.tag_resource_2 = await call(new TagResourceCommand({ SecretId, Tags: [{ Key: 'tag2', Value: 'value2' }] }));
    answers.describe_secret_2 = await describe();
    answers.untag_resource_1 = await call(new UntagResourceCommand({ SecretId, TagKeys: ['tag1'] }));
    answers.describe_secret_3 = await describe();
    answers.untag_resource_2 = await call(new UntagResourceCommand({ SecretId, TagKeys: ['tag2'] }));
    answers.describe_secret_4 = await describe();
    await call(
      new TagResourceCommand({
        SecretId,
        Tags: [
          { Key: 'tag3', Value: 'value3' },
          { Key: 'tag4', Value: 'value4' },
        ],
      }),
    );
    answers.describe_secret_5 = await describe();
    await call(new UntagResourceCommand({ SecretId, TagKeys: ['tag3', 'tag4'] }));
    answers.describe_secret_6 = await describe();
    return answers;
  },
  test_get_secret_value_errors: async () => {
    const name = shortUid();
    const created = await call(new CreateSecretCommand({ Name: name, SecretString: 'test' }));
    return {
      error_get_secret_value_non_existing: await failure(
        new GetSecretValueCommand({ SecretId: created.ARN as string, VersionStage: 'AWSPREVIOUS' }),
      ),
      mismatch_version_id_and_stage: await failure(
        new GetSecretValueCommand({ SecretId: name, VersionId: created.VersionId as string, VersionStage: 'AWSPREVIOUS' }),
      ),
    };
  },
  test_secret_version_not_found: async () => {
    const SecretId = `s-${shortUid()}`;
    await call(new CreateSecretCommand({ Name: SecretId }));
    const VersionId = crypto.randomUUID();
    const asText = { asText: true };
    const answers = {
      get_secret_value_no_version_ex: await failure(new GetSecretValueCommand({ SecretId }), asText),
      get_secret_value_version_not_found_ex: await failure(new GetSecretValueCommand({ SecretId, VersionId }), asText),
      get_secret_value_stage_not_found_ex: await failure(new GetSecretValueCommand({ SecretId, VersionStage: 'AWSPENDING' }), asText),
    };
    // The test's transformer: the version id it made up as `<version-id>`.
    return JSON.parse(JSON.stringify(answers).replaceAll(VersionId, '<version-id>')) as Answer;
  },
  test_get_secret_value: async () => {
    const name = shortUid();
    const created = await call(new CreateSecretCommand({ Name: name, SecretBinary: Buffer.from('footest') }));
    return {
      secret_value_response: await call(new GetSecretValueCommand({ SecretId: created.ARN as string })),
      secret_value_http_response: await rawCall('GetSecretValue', { SecretId: name }),
    };
  },
  test_secret_not_found: async () => ({
    get_secret_value_not_found_ex: await failure(new GetSecretValueCommand({ SecretId: `s-${shortUid()}` })),
    list_secret_version_ids_not_found_ex: await failure(new ListSecretVersionIdsCommand({ SecretId: `s-${shortUid()}` })),
  }),
};

const calls: ReplayCalls = { call, failure, rawAnswer };

const CASES: Readonly<Record<string, () => Promise<Answer>>> = {
  ...replayed,
  ...stageCases(calls),
  ...rotationCases(calls),
  ...Object.fromEntries(STALE.map((test) => [test, async (): Promise<Answer> => ({})])),
};

describe('Secrets Manager answers recorded on AWS', () => {
  // Each test sees only its own secrets (ListSecrets lists the account's), as the recordings' cleanups left AWS.
  beforeEach(async () => {
    const { SecretList = [] } = await local.secrets.send(new ListSecretsCommand({ IncludePlannedDeletion: true }));
    for (const { ARN } of SecretList)
      await local.secrets.send(new DeleteSecretCommand({ SecretId: ARN, ForceDeleteWithoutRecovery: true }));
  });

  itAnswersAsSnapshot(
    CASES,
    [new URL('../../conformance/aws-recorded/secretsmanager/test_secretsmanager.snapshot.json', import.meta.url)],
    {
      // The plain HTTP answer's CreatedDate, which the test's transformer wrote as `datetime` (no reference).
      asCompared: (answer) => anyValueUnder(withoutMessageCopy(answer), { CreatedDate: 'datetime' }),
      known: KNOWN_DIFFERENCES,
    },
  );
});

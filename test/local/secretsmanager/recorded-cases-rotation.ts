import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutResourcePolicyCommand,
  RotateSecretCommand,
  type RotateSecretCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { parsedAsSnapshot } from '../../helpers/recorded-answers.js';
import { region } from '../helpers.js';
import { type Answer, type ReplayCalls, secretName, withVersionPlaceholders } from './recorded-replay.js';

type Case = () => Promise<Answer>;

/** The rotation function's name in the replay's app (ROTATION_FUNCTION). */
export const ROTATION_FUNCTION_NAME = 'rotate-secret';
const ROTATION_FUNCTION_ARN = `arn:aws:lambda:${region}:000000000000:function:${ROTATION_FUNCTION_NAME}`;

/**
 * LocalStack's tests/aws/services/secretsmanager/functions/lambda_rotate_secret.py (adapted from
 * AWS's rotation template, MIT-0) in JavaScript: each step checks the version is AWSPENDING,
 * createSecret puts `lambda_rotate_secret_rotation_<token>` (making a secret that signals it
 * found no pending value), finishSecret moves AWSCURRENT to the version.
 */
export const ROTATION_FUNCTION_CODE = `
const sm = require('@aws-sdk/client-secrets-manager');
const client = new sm.SecretsManagerClient({});
exports.handler = async ({ SecretId: arn, ClientRequestToken: token, Step: step }) => {
  const metadata = await client.send(new sm.DescribeSecretCommand({ SecretId: arn }));
  if (!metadata.RotationEnabled) throw new Error('Secret ' + arn + ' is not enabled for rotation');
  const versions = metadata.VersionIdsToStages;
  if (!(token in versions)) throw new Error('Secret version ' + token + ' has no stage for rotation of secret ' + arn + '.');
  if (versions[token].includes('AWSCURRENT')) return;
  if (!versions[token].includes('AWSPENDING')) throw new Error('Secret version ' + token + ' not set as AWSPENDING');
  if (step === 'createSecret') {
    await client.send(new sm.GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }));
    try {
      await client.send(new sm.GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' }));
    } catch (error) {
      if (error.name !== 'ResourceNotFoundException') throw error;
      const signal = 'ResourceNotFoundException_' + token;
      await client.send(new sm.CreateSecretCommand({ Name: signal, SecretString: signal }));
      await client.send(new sm.PutSecretValueCommand({
        SecretId: arn, ClientRequestToken: token, SecretString: 'lambda_rotate_secret_rotation_' + token, VersionStages: ['AWSPENDING'],
      }));
    }
  } else if (step === 'finishSecret') {
    const described = await client.send(new sm.DescribeSecretCommand({ SecretId: arn }));
    let current;
    for (const [version, stages] of Object.entries(described.VersionIdsToStages)) {
      if (!stages.includes('AWSCURRENT')) continue;
      if (version === token) return;
      current = version;
      break;
    }
    await client.send(new sm.UpdateSecretVersionStageCommand({
      SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current,
    }));
  } else if (step !== 'setSecret' && step !== 'testSecret') {
    throw new Error('Invalid step parameter');
  }
};
`;

/** The recorded tests of RotateSecret (through the function above) and of resource policies, call by call. */
export function rotationCases({ call, failure }: ReplayCalls): Record<string, Case> {
  /** The `setup_rotation_secret` fixture: the secret, its first version's id. */
  const setupRotation = async (name: string) =>
    (await call(new CreateSecretCommand({ Name: name, SecretString: 'my_secret', Description: 'testing rotation of secrets' }))).VersionId;

  /** Rotates, then describes and lists the versions, the version ids written as the recording's placeholders. */
  const rotated = async (name: string, input: Omit<RotateSecretCommandInput, 'SecretId'>, versions: unknown[]) => {
    const rotation = await call(new RotateSecretCommand({ SecretId: name, ...input }));
    versions.push(rotation.VersionId);
    return {
      rotation,
      described: withVersionPlaceholders(await call(new DescribeSecretCommand({ SecretId: name })), versions),
      listed: await call(new ListSecretVersionIdsCommand({ SecretId: name })),
    };
  };

  const rotateOnce =
    (rotateImmediately: boolean | undefined): Case =>
    async () => {
      const name = secretName();
      const versions = [await setupRotation(name)];
      const { rotation, described, listed } = await rotated(
        name,
        {
          RotationRules: { AutomaticallyAfterDays: 1 },
          RotationLambdaARN: ROTATION_FUNCTION_ARN,
          ...(rotateImmediately === undefined ? {} : { RotateImmediately: rotateImmediately }),
        },
        versions,
      );
      return { rotate_secret_immediately: rotation, describe_secret_rotated: described, list_secret_versions_rotated_1: listed };
    };

  /** The `setup_invalid_rotation_secret` fixture: a secret, and RotateSecret refused for `functionArn`. */
  const invalidRotation = async (functionArn: string | undefined) => {
    const name = secretName();
    const created = await call(new CreateSecretCommand({ Name: name, SecretString: 'init' }));
    const refused = await failure(
      new RotateSecretCommand({
        SecretId: name,
        RotationRules: { AutomaticallyAfterDays: 1 },
        ...(functionArn === undefined ? {} : { RotationLambdaARN: functionArn }),
      }),
    );
    const described = withVersionPlaceholders(await call(new DescribeSecretCommand({ SecretId: name })), [created.VersionId]);
    return { created, refused, described };
  };

  return {
    'test_rotate_secret_with_lambda_success[True]': rotateOnce(true),
    'test_rotate_secret_with_lambda_success[None]': rotateOnce(undefined),
    test_rotate_secret_multiple_times_with_lambda_success: async () => {
      const name = secretName();
      const versions = [await setupRotation(name)];
      const first = await rotated(
        name,
        { RotationRules: { AutomaticallyAfterDays: 1 }, RotateImmediately: true, RotationLambdaARN: ROTATION_FUNCTION_ARN },
        versions,
      );
      await call(new GetSecretValueCommand({ SecretId: name }));
      const second = await rotated(name, {}, versions);
      return {
        rotate_secret_immediately_1: first.rotation,
        describe_secret_rotated_1: first.described,
        list_secret_versions_rotated_1_1: first.listed,
        rotate_secret_immediately_2: second.rotation,
        describe_secret_rotated_2: second.described,
        list_secret_versions_rotated_1_2: second.listed,
      };
    },
    test_rotate_secret_invalid_lambda_arn: async () => {
      const { created, refused, described } = await invalidRotation(
        `arn:aws:lambda:${region}:000000000000:function:rotate_secret_invalid_lambda_arn`,
      );
      return { create_secret: created, rotate_secret_invalid_arn_exc: refused, describe_secret: described };
    },
    test_first_rotate_secret_with_missing_lambda_arn: async () => {
      const { created, refused, described } = await invalidRotation(undefined);
      return { create_secret: created, rotate_secret_no_arn_exc: refused, describe_secret: described };
    },
    test_resource_policy: async () => {
      const name = secretName();
      await call(new CreateSecretCommand({ Name: name, SecretString: 'my_secret', Description: 'testing creation of secrets' }));
      const policy = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
      };
      const put = await call(new PutResourcePolicyCommand({ SecretId: name, ResourcePolicy: JSON.stringify(policy) }));
      // The test's snapshot parsed the policy's JSON text.
      const got = parsedAsSnapshot(await call(new GetResourcePolicyCommand({ SecretId: name }))) as Answer;
      await call(new DeleteResourcePolicyCommand({ SecretId: name }));
      return { put_resource_policy: put, get_resource_policy: got };
    },
  };
}

import {
  ANY,
  arnOf,
  type OperationAuthorization,
  type OperationContext,
  type OperationMap,
  type OperationTable,
  on,
  text,
} from './shared.js';

/** The key a KeyId names (a key id, key ARN, alias name or alias ARN), as the KMS service resolves it. */
const keyArn = (keyId: unknown, context: OperationContext): string | undefined => {
  const value = text(keyId);
  if (value === undefined) return undefined;
  return (
    context.kmsKeyArn?.(value) ??
    (value.startsWith('arn:') ? value : arnOf('kms', context, value.startsWith('alias/') ? value : `key/${value}`))
  );
};

/** The action of the operation's name on the key its KeyId names; none for a request that names no key (Decrypt of a symmetric ciphertext names it inside the blob). */
const onKey =
  (operation: string, member = 'KeyId'): OperationMap =>
  (input, context) => {
    const key = keyArn(input[member], context);
    return key ? [on(`kms:${operation}`, key)] : [];
  };

const KEY_OPERATIONS = [
  'Encrypt',
  'Decrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'DescribeKey',
  'Sign',
  'Verify',
  'GenerateMac',
  'VerifyMac',
  'GetPublicKey',
  'EnableKey',
  'DisableKey',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'GetKeyPolicy',
  'PutKeyPolicy',
  'GetKeyRotationStatus',
  'EnableKeyRotation',
  'DisableKeyRotation',
  'ListResourceTags',
  'TagResource',
  'UntagResource',
  'UpdateKeyDescription',
  'CreateGrant',
  'ListGrants',
];

/** KMS: the action of each operation's name on the key; ReEncrypt is ReEncryptFrom and ReEncryptTo; aliases on the alias and its key. */
export const kmsOperations: OperationTable = {
  ...Object.fromEntries(KEY_OPERATIONS.map((operation) => [operation, onKey(operation)])),
  ReEncrypt: (input, context) => [
    ...onKey('ReEncryptFrom', 'SourceKeyId')(input, context),
    ...onKey('ReEncryptTo', 'DestinationKeyId')(input, context),
  ],
  CreateAlias: (input, context): OperationAuthorization[] => [
    on('kms:CreateAlias', arnOf('kms', context, text(input.AliasName) ?? 'alias/*')),
    ...onKey('CreateAlias', 'TargetKeyId')(input, context),
  ],
  DeleteAlias: (input, context) => [on('kms:DeleteAlias', arnOf('kms', context, text(input.AliasName) ?? 'alias/*'))],
  CreateKey: () => [on('kms:CreateKey', ANY())],
  ListKeys: () => [on('kms:ListKeys', ANY())],
  ListAliases: () => [on('kms:ListAliases', ANY())],
  GenerateRandom: () => [on('kms:GenerateRandom', ANY())],
};

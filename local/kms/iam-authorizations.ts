import { arnOf, type Input, type OperationContext, type ResourceOf, serviceIam, text } from '../iam/authorizations.js';

/**
 * The key a KeyId names: KMS authorizes a request on the key's ARN whether the caller named
 * it by id, key ARN, alias name or alias ARN (the alias itself grants nothing). A reference the
 * runtime cannot resolve gets the key ARN it would be, or `key/*` for an unknown alias.
 */
function keyArnOf(keyId: unknown, context: OperationContext): string {
  const reference = text(keyId);
  if (reference === undefined) return arnOf('kms', context, 'key/*');
  const known = context.kmsKeyArn?.(reference);
  if (known) return known;
  if (/^arn:aws[\w-]*:kms:[^:]*:\d{12}:key\//.test(reference)) return reference;
  if (reference.startsWith('alias/') || reference.includes(':alias/')) return arnOf('kms', context, 'key/*');
  return arnOf('kms', context, `key/${reference}`);
}

const key: ResourceOf = (input: Input, context) => keyArnOf(input.KeyId, context);

/** How IAM authorizes KMS's requests (its module declares it): each operation is the action of its name on the key its KeyId names. */
export const kmsIam = serviceIam('kms', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['GenerateRandom', 'ListKeys', 'ListAliases', 'CreateKey'],
  sameNamed: {
    Encrypt: key,
    Decrypt: key,
    GenerateDataKey: key,
    GenerateDataKeyWithoutPlaintext: key,
    GenerateDataKeyPair: key,
    GenerateDataKeyPairWithoutPlaintext: key,
    Sign: key,
    Verify: key,
    GenerateMac: key,
    VerifyMac: key,
    DescribeKey: key,
    GetKeyPolicy: key,
    GetKeyRotationStatus: key,
    GetPublicKey: key,
    ListResourceTags: key,
    TagResource: key,
    UntagResource: key,
  },
});

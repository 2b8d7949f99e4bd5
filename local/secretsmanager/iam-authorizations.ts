import {
  ANY,
  arnOf,
  type OperationContext,
  type OperationTable,
  on,
  type ResourceOf,
  type ServiceIam,
  sameNamed,
  text,
  viaService,
} from '../iam/authorizations.js';

/**
 * A secret's ARN from its SecretId (name or ARN). AWS authorizes a request on the secret's
 * full ARN, with the six-character suffix it added to the name (policies name it
 * `secret:<name>-??????`), so a known secret's ARN comes from the runtime; an unknown one
 * gets `secret:<name>-??????`, which such a policy (and `<name>-*`) matches.
 */
function secretArnOf(secretId: unknown, context: OperationContext): string {
  const id = text(secretId);
  if (id === undefined) return arnOf('secretsmanager', context, 'secret:*');
  const known = context.secretArn?.(id);
  if (known) return known;
  return id.startsWith('arn:') ? id : arnOf('secretsmanager', context, `secret:${id}-??????`);
}

const secret: ResourceOf = (input, context) => secretArnOf(input.SecretId, context);

/**
 * Secrets Manager: each operation is the action of its name on the secret it names;
 * CreateSecret on the secret the name would be, with the customer-managed key it names
 * (kms:GenerateDataKey, through Secrets Manager).
 */
const secretsManagerAuthorizations: OperationTable = {
  ...sameNamed('secretsmanager', {
    GetSecretValue: secret,
    PutSecretValue: secret,
    DescribeSecret: secret,
    UpdateSecret: secret,
    DeleteSecret: secret,
    RestoreSecret: secret,
    TagResource: secret,
    UntagResource: secret,
    ListSecretVersionIds: secret,
    GetResourcePolicy: secret,
    RotateSecret: secret,
    ListSecrets: ANY,
    GetRandomPassword: ANY,
    BatchGetSecretValue: ANY,
  }),
  CreateSecret: (input, context) => {
    const keyId = text(input.KmsKeyId);
    const key = keyId === undefined ? undefined : context.kmsKeyArn?.(keyId);
    return [
      on('secretsmanager:CreateSecret', arnOf('secretsmanager', context, `secret:${text(input.Name) ?? '*'}-??????`)),
      ...viaService('secretsmanager', ['kms:GenerateDataKey'], key, context),
    ];
  },
};

/** How IAM authorizes secretsmanager's requests (its module declares it). */
export const secretsManagerIam: ServiceIam = {
  prefix: 'secretsmanager',
  operations: secretsManagerAuthorizations,
  accessDenied: { code: 'AccessDeniedException', status: 400 },
};

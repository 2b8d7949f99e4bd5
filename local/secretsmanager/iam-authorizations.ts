import { arnOf, type Input, type OperationContext, type OperationTable, on, serviceIam, text, viaService } from '../iam/authorizations.js';

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

/**
 * Operations on one secret: the action of the operation's name on the secret's ARN. Secrets
 * Manager's AccessDenied message names the secret as the request did ("... on resource:
 * my-secret because ..."), a name as a name and an ARN as an ARN.
 */
const onSecret = (operations: readonly string[]): OperationTable =>
  Object.fromEntries(
    operations.map((operation) => [
      operation,
      (input: Input, context: OperationContext) => {
        const named = text(input.SecretId);
        return [{ ...on(`secretsmanager:${operation}`, secretArnOf(input.SecretId, context)), ...(named ? { named } : {}) }];
      },
    ]),
  );

/**
 * How IAM authorizes Secrets Manager's requests (its module declares it): each operation is the
 * action of its name on the secret it names; CreateSecret on the secret the name would be, with
 * the customer-managed key it names (kms:GenerateDataKey, through Secrets Manager).
 */
export const secretsManagerIam = serviceIam('secretsmanager', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['ListSecrets', 'GetRandomPassword', 'BatchGetSecretValue'],
  operations: {
    ...onSecret([
      'GetSecretValue',
      'PutSecretValue',
      'DescribeSecret',
      'UpdateSecret',
      'DeleteSecret',
      'RestoreSecret',
      'TagResource',
      'UntagResource',
      'ListSecretVersionIds',
      'GetResourcePolicy',
      'PutResourcePolicy',
      'DeleteResourcePolicy',
      'ValidateResourcePolicy',
      'UpdateSecretVersionStage',
      'RotateSecret',
    ]),
    CreateSecret: (input, context) => {
      const keyId = text(input.KmsKeyId);
      const key = keyId === undefined ? undefined : context.kmsKeyArn?.(keyId);
      return [
        on('secretsmanager:CreateSecret', arnOf('secretsmanager', context, `secret:${text(input.Name) ?? '*'}-??????`)),
        ...viaService('secretsmanager', ['kms:GenerateDataKey'], key, context),
      ];
    },
  },
});

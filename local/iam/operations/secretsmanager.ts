import { ANY, arnOf, items, type OperationContext, type OperationTable, on, sameNamed, text } from './shared.js';

/** A secret's full ARN (with the six-character suffix policies name) from its name or ARN. */
const secretArnOf = (id: unknown, context: OperationContext): string => {
  const value = text(id) ?? '*';
  return context.secretArn?.(value) ?? (value.startsWith('arn:') ? value : arnOf('secretsmanager', context, `secret:${value}`));
};
const secret = (input: Record<string, unknown>, context: OperationContext) => secretArnOf(input.SecretId ?? input.Name, context);

/** Secrets Manager: the action of each operation's name on the secret. */
export const secretsManagerOperations: OperationTable = {
  ...sameNamed('secretsmanager', {
    GetSecretValue: secret,
    DescribeSecret: secret,
    PutSecretValue: secret,
    UpdateSecret: secret,
    DeleteSecret: secret,
    RestoreSecret: secret,
    CreateSecret: secret,
    RotateSecret: secret,
    CancelRotateSecret: secret,
    TagResource: secret,
    UntagResource: secret,
    GetResourcePolicy: secret,
    PutResourcePolicy: secret,
    DeleteResourcePolicy: secret,
    ValidateResourcePolicy: secret,
    UpdateSecretVersionStage: secret,
    ListSecretVersionIds: secret,
    ListSecrets: ANY,
    GetRandomPassword: ANY,
  }),
  // AWS authorizes the batch, then GetSecretValue on each secret it returns.
  BatchGetSecretValue: (input, context) => [
    on('secretsmanager:BatchGetSecretValue', '*'),
    ...items(input.SecretIdList).map((id) => on('secretsmanager:GetSecretValue', secretArnOf(id, context))),
  ],
};

import { arn, base32, NO_RETURN_VALUES, type ResourceTypes } from '../template/resource-spec.js';

/** Secrets Manager's resource types as the template loader names them (its module declares them). */
export const SECRETS_MANAGER_RESOURCE_TYPES: ResourceTypes = {
  'AWS::SecretsManager::Secret': {
    // Ref and Id are the ARN: the name and six characters Secrets Manager picks (here from the logical id, so stable).
    name: { property: 'Name', max: 512, invalid: /[^A-Za-z0-9/_+=.@-]/g },
    identify: (input, name) => {
      const suffix = base32(`${input.stackName}/${input.logicalId}/secret`).slice(0, 6).toLowerCase();
      const secretArn = arn(input, 'secretsmanager', `secret:${name}-${suffix}`);
      return { ref: secretArn, attributes: { Id: secretArn } };
    },
  },
  // Accepted with nothing of their own to run: the policy is IAM's (its module declares how to read it), the attachment only names a database.
  'AWS::SecretsManager::ResourcePolicy': NO_RETURN_VALUES,
  'AWS::SecretsManager::SecretTargetAttachment': NO_RETURN_VALUES,
};

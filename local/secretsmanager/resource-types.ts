import { arn, base32, type TypeSpecs } from '../template/resource-spec.js';

/** Secrets Manager's resource types as the template loader names them (template/resources.ts). */
export const SECRETS_MANAGER_TYPE_SPECS: TypeSpecs = {
  'AWS::SecretsManager::Secret': {
    // Ref and Id are the ARN: the name and six characters Secrets Manager picks (here from the logical id, so stable).
    name: { property: 'Name', max: 512, invalid: /[^A-Za-z0-9/_+=.@-]/g },
    identify: (input, name) => {
      const suffix = base32(`${input.stackName}/${input.logicalId}/secret`).slice(0, 6).toLowerCase();
      const secretArn = arn(input, 'secretsmanager', `secret:${name}-${suffix}`);
      return { ref: secretArn, attributes: { Id: secretArn } };
    },
  },
};

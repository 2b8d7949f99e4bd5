import { policyOn, type ResourcePolicyContext, type ResourcePolicySources } from '../iam/resource-policies.js';

/** A secret's full ARN from what a policy names: its ARN, or the name (or Ref) of one of the app's secrets. */
function secretArn(id: string, { resources }: ResourcePolicyContext): string {
  if (id.startsWith('arn:')) return id;
  return resources.find((s) => s.type === 'AWS::SecretsManager::Secret' && (s.physicalName === id || s.properties.Name === id))?.ref ?? id;
}

/** A secret's resource policy, on the secret it names. */
export const SECRETS_MANAGER_RESOURCE_POLICIES: ResourcePolicySources = {
  'AWS::SecretsManager::ResourcePolicy': {
    policyOnly: true,
    read: (r, context) =>
      typeof r.properties.SecretId === 'string' ? policyOn(secretArn(r.properties.SecretId, context), r.properties.ResourcePolicy) : [],
  },
};

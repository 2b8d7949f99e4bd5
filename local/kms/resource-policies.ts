import { policyOn, type ResourcePolicySources } from '../iam/resource-policies.js';
import { defaultKeyPolicy } from '../iam/resource-statements.js';

/** A property left out or given as `{}`. */
function isEmpty(value: unknown): boolean {
  return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
}

/** A key's KeyPolicy; an empty `{}` is taken as no policy, as KMS takes a missing one: the default key policy. */
export const KMS_RESOURCE_POLICIES: ResourcePolicySources = {
  'AWS::KMS::Key': {
    read: (r, { accountId }) =>
      policyOn(r.attributes.Arn || undefined, isEmpty(r.properties.KeyPolicy) ? defaultKeyPolicy(accountId) : r.properties.KeyPolicy),
  },
};

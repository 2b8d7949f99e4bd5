import { policyOn, type ResourcePolicySources } from '../iam/resource-policies.js';
import { functionArnOf, permissionStatement } from '../iam/resource-statements.js';

/** Lambda's permissions: each a statement of its function's policy, as GetPolicy shows it. */
export const LAMBDA_RESOURCE_POLICIES: ResourcePolicySources = {
  'AWS::Lambda::Permission': {
    policyOnly: true,
    read: (r, { region, accountId }) => {
      if (typeof r.properties.FunctionName !== 'string') return [];
      const fn = functionArnOf(r.properties.FunctionName, region, accountId);
      return policyOn(fn, { Version: '2012-10-17', Statement: [permissionStatement(r.logicalId, r.properties, fn)] });
    },
  },
  // A layer's permissions let other accounts use it, and no call here names a layer: a policy with nothing to evaluate.
  'AWS::Lambda::LayerVersionPermission': { policyOnly: true, read: () => [] },
};

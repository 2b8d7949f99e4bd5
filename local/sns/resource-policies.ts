import { policyOn, type ResourcePolicySources, strings } from '../iam/resource-policies.js';

/** SNS's topic policies, on each topic they name (by its ARN, the topic's Ref). */
export const SNS_RESOURCE_POLICIES: ResourcePolicySources = {
  'AWS::SNS::TopicPolicy': {
    policyOnly: true,
    read: (r) => strings(r.properties.Topics).map((topic) => ({ resourceArn: topic, document: r.properties.PolicyDocument })),
  },
  'AWS::SNS::TopicInlinePolicy': {
    policyOnly: true,
    read: (r) => (typeof r.properties.TopicArn === 'string' ? policyOn(r.properties.TopicArn, r.properties.PolicyDocument) : []),
  },
};

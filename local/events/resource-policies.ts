import { policyOn, type ResourcePolicyContext, type ResourcePolicySources } from '../iam/resource-policies.js';
import { busPolicyStatement } from '../iam/resource-statements.js';

const busArn = (nameOrArn: string, { region, accountId }: ResourcePolicyContext) =>
  nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:events:${region}:${accountId}:event-bus/${nameOrArn}`;

/** EventBridge's bus policies: a bus's own `Policy`, and `AWS::Events::EventBusPolicy` statements on the bus they name. */
export const EVENTS_RESOURCE_POLICIES: ResourcePolicySources = {
  'AWS::Events::EventBus': {
    read: (r, context) => policyOn(r.attributes.Arn ?? busArn(r.ref, context), r.properties.Policy),
  },
  'AWS::Events::EventBusPolicy': {
    policyOnly: true,
    read: (r, context) => {
      const bus = busArn(typeof r.properties.EventBusName === 'string' ? r.properties.EventBusName : 'default', context);
      return policyOn(bus, { Version: '2012-10-17', Statement: busPolicyStatement(r, bus) });
    },
  },
};

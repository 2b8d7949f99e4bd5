import { arn, base32, CREATED, type ResourceTypes, text } from '../template/resource-spec.js';

/** IAM's resource types as the template loader names them: evaluated by the IAM check (policy-store.ts), run by no service. */
export const IAM_RESOURCE_TYPES: ResourceTypes = {
  'AWS::IAM::Role': {
    name: { property: 'RoleName', max: 64, invalid: /[^\w+=,.@-]/g },
    identify: (input, name) => {
      const path = text(input.properties, 'Path') ?? '/';
      const roleId = `AROA${base32(`${input.stackName}/${input.logicalId}`).slice(0, 17)}`;
      return { ref: name, attributes: { Arn: arn(input, 'iam', `role${path}${name}`, ''), RoleId: roleId } };
    },
  },
  'AWS::IAM::Policy': {
    // PolicyName only names the inline policy inside each role; the resource id is CloudFormation's own.
    name: { max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  // An inline policy of one role (CloudFormation's newer form of AWS::IAM::Policy): no documented return value, a resource id here.
  'AWS::IAM::RolePolicy': {
    name: { max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::IAM::ManagedPolicy': {
    name: { property: 'ManagedPolicyName', max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (input, name) => {
      const policyArn = arn(input, 'iam', `policy${text(input.properties, 'Path') ?? '/'}${name}`, '');
      return {
        ref: policyArn,
        attributes: {
          PolicyArn: policyArn,
          PolicyId: `ANPA${base32(`${input.stackName}/${input.logicalId}`).slice(0, 17)}`,
          DefaultVersionId: 'v1',
          AttachmentCount: '0',
          IsAttachable: 'true',
          CreateDate: CREATED,
          UpdateDate: CREATED,
        },
      };
    },
  },
  'AWS::IAM::InstanceProfile': {
    name: { property: 'InstanceProfileName', max: 128, invalid: /[^\w+=,.@-]/g },
    identify: (input, name) => ({
      ref: name,
      attributes: { Arn: arn(input, 'iam', `instance-profile${text(input.properties, 'Path') ?? '/'}${name}`, '') },
    }),
  },
};

import { arnOf, type ResourceOf, serviceIam, text } from '../iam/authorizations.js';

/** A resource of the kind (`vpc`, `subnet`, `security-group`) whose id the member names; `*` without one. */
const idOf =
  (kind: string, member: string): ResourceOf =>
  (input, context) => {
    const id = text(input[member]);
    return id === undefined ? '*' : arnOf('ec2', context, `${kind}/${id}`);
  };

/**
 * How IAM authorizes EC2's requests (its module declares it): the action of each operation's
 * name; Describe* name no resource (as the Service Authorization Reference has them), the
 * others the resource they change. A Create call is authorized on the kind's every resource:
 * the new one has no id yet.
 */
export const ec2Iam = serviceIam('ec2', {
  accessDenied: { code: 'UnauthorizedOperation', status: 403 },
  unscoped: ['DescribeVpcs', 'DescribeSubnets', 'DescribeSecurityGroups', 'DescribeAvailabilityZones', 'DescribeTags'],
  sameNamed: {
    CreateVpc: (_input, context) => arnOf('ec2', context, 'vpc/*'),
    DeleteVpc: idOf('vpc', 'VpcId'),
    CreateSubnet: idOf('vpc', 'VpcId'),
    GetSecurityGroupsForVpc: idOf('vpc', 'VpcId'),
    DeleteSubnet: idOf('subnet', 'SubnetId'),
    CreateSecurityGroup: (_input, context) => arnOf('ec2', context, 'security-group/*'),
    DeleteSecurityGroup: idOf('security-group', 'GroupId'),
    AuthorizeSecurityGroupIngress: idOf('security-group', 'GroupId'),
    CreateTags: (input, context) => resourceArn(input, context),
    DeleteTags: (input, context) => resourceArn(input, context),
  },
});

/** The first resource a tagging call names. */
function resourceArn(input: Record<string, unknown>, context: Parameters<ResourceOf>[1]): string {
  const id = Array.isArray(input.Resources) ? text(input.Resources[0]) : undefined;
  if (id === undefined) return '*';
  const kind = id.startsWith('vpc-') ? 'vpc' : id.startsWith('subnet-') ? 'subnet' : id.startsWith('sg-') ? 'security-group' : undefined;
  return kind === undefined ? '*' : arnOf('ec2', context, `${kind}/${id}`);
}

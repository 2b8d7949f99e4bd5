import { randomBytes } from 'node:crypto';
import type { TagPair } from '../store/tag-store.js';
import { parseCidr, usableAddresses } from './cidr.js';
import type { IpPermission, SecurityGroupRecord, SubnetRecord, Tag, VpcRecord } from './ec2-store.js';

/** The shapes EC2 answers for what it keeps (the API reference's Vpc, Subnet, SecurityGroup). */

/** A new id as EC2 writes them: the prefix and 17 hex digits (`vpc-0a1b2c3d4e5f60718`). */
export const newId = (prefix: string): string => `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;

/** Where a resource is: its ARN names the region and account. */
export interface Place {
  readonly region: string;
  readonly accountId: string;
}

/** The tags a Create call's TagSpecifications give a resource of `type` (`vpc`, `subnet`, `security-group`). */
export function specifiedTags(specifications: unknown, type: string): TagPair[] {
  if (!Array.isArray(specifications)) return [];
  return specifications
    .filter((spec) => (spec as { ResourceType?: string }).ResourceType === type)
    .flatMap((spec) => ((spec as { Tags?: Tag[] }).Tags ?? []).map((tag): TagPair => [String(tag.Key), String(tag.Value ?? '')]));
}

/** A VPC as DescribeVpcs answers it; CreateVpc answers `pending` (the VPC is available at once). */
export function vpcAnswer(vpc: VpcRecord, tags: readonly Tag[], state: 'pending' | 'available' = 'available') {
  return {
    OwnerId: vpc.OwnerId,
    InstanceTenancy: vpc.InstanceTenancy,
    Ipv6CidrBlockAssociationSet: [],
    CidrBlockAssociationSet: [{ AssociationId: vpc.AssociationId, CidrBlock: vpc.CidrBlock, CidrBlockState: { State: 'associated' } }],
    IsDefault: vpc.IsDefault,
    ...(tags.length > 0 ? { Tags: tags } : {}),
    // CreateVpc's answer has none (as recorded); DescribeVpcs names the VPC's block public access mode.
    ...(state === 'available' ? { BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' } } : {}),
    VpcId: vpc.VpcId,
    State: state,
    CidrBlock: vpc.CidrBlock,
    DhcpOptionsId: vpc.DhcpOptionsId,
  };
}

export function subnetAnswer(subnet: SubnetRecord, tags: readonly Tag[], place: Place) {
  return {
    AvailabilityZoneId: subnet.AvailabilityZoneId,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: subnet.OwnerId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    ...(tags.length > 0 ? { Tags: tags } : {}),
    SubnetArn: `arn:aws:ec2:${place.region}:${subnet.OwnerId}:subnet/${subnet.SubnetId}`,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
    SubnetId: subnet.SubnetId,
    State: 'available',
    VpcId: subnet.VpcId,
    CidrBlock: subnet.CidrBlock,
    AvailableIpAddressCount: usableAddresses(parseCidr(subnet.CidrBlock)),
    AvailabilityZone: subnet.AvailabilityZone,
    DefaultForAz: subnet.DefaultForAz,
    MapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch,
  };
}

export const groupArn = (group: SecurityGroupRecord, place: Place): string =>
  `arn:aws:ec2:${place.region}:${group.OwnerId}:security-group/${group.GroupId}`;

/** One ingress rule an IP range of a permission makes, as AuthorizeSecurityGroupIngress answers it: its ARN names the rule (`security-group-rule/sgr-…`). */
export function ruleAnswer(
  group: SecurityGroupRecord,
  ruleId: string,
  rule: IpPermission,
  range: { CidrIp?: string; Description?: string },
  place: Place,
) {
  return {
    SecurityGroupRuleId: ruleId,
    GroupId: group.GroupId,
    GroupOwnerId: group.OwnerId,
    IsEgress: false,
    IpProtocol: rule.IpProtocol,
    FromPort: rule.FromPort,
    ToPort: rule.ToPort,
    CidrIpv4: range.CidrIp,
    ...(range.Description !== undefined ? { Description: range.Description } : {}),
    SecurityGroupRuleArn: `arn:aws:ec2:${place.region}:${group.OwnerId}:security-group-rule/${ruleId}`,
  };
}

export function groupAnswer(group: SecurityGroupRecord, tags: readonly Tag[], place: Place) {
  return {
    GroupId: group.GroupId,
    IpPermissionsEgress: group.IpPermissionsEgress,
    ...(tags.length > 0 ? { Tags: tags } : {}),
    VpcId: group.VpcId,
    SecurityGroupArn: groupArn(group, place),
    OwnerId: group.OwnerId,
    GroupName: group.GroupName,
    Description: group.Description,
    IpPermissions: group.IpPermissions,
  };
}

/** A group as GetSecurityGroupsForVpc answers it: its tags always, an empty list included. */
export function groupForVpcAnswer(group: SecurityGroupRecord, tags: readonly Tag[]) {
  return {
    Description: group.Description,
    GroupName: group.GroupName,
    OwnerId: group.OwnerId,
    GroupId: group.GroupId,
    Tags: tags,
    PrimaryVpcId: group.VpcId,
  };
}

/** The rule every new group has: all traffic out (AWS adds it to a VPC's groups). */
export const ALL_EGRESS = {
  IpProtocol: '-1',
  IpRanges: [{ CidrIp: '0.0.0.0/0' }],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
};

/** A VPC's default group: all traffic from its own members in, all traffic out. */
export function defaultGroup(vpc: Pick<VpcRecord, 'VpcId' | 'OwnerId'>, groupId: string, template?: string): SecurityGroupRecord {
  return {
    GroupId: groupId,
    GroupName: 'default',
    Description: 'default VPC security group',
    VpcId: vpc.VpcId,
    OwnerId: vpc.OwnerId,
    IpPermissions: [
      { IpProtocol: '-1', IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: groupId, UserId: vpc.OwnerId }] },
    ],
    IpPermissionsEgress: [ALL_EGRESS],
    ...(template ? { template } : {}),
  };
}

import { createHash } from 'node:crypto';
import {
  ALPHANUMERIC_DASH_UNDERSCORE,
  arn,
  CREATED,
  type IdentityInput,
  type TypeSpec,
  type TypeSpecs,
  text,
} from '../template/resource-spec.js';

/**
 * An EC2 id as AWS writes it (`vpc-0a1b2c3d4e5f60718`: a prefix and 17 hex digits), derived
 * from the resource's place in the app, so a restart and every reference see the same one.
 */
function ec2Id(prefix: string, input: IdentityInput): string {
  const hex = createHash('sha256').update(`${input.stackName}/${input.logicalId}`).digest('hex');
  return `${prefix}-0${hex.slice(0, 16)}`;
}

/** A resource whose Ref is an EC2 id and whose attributes are that id under the names given, plus `extra`. */
function idResource(
  prefix: string,
  idAttributes: readonly string[],
  extra?: (input: IdentityInput, id: string) => Record<string, string>,
): TypeSpec {
  return {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const id = ec2Id(prefix, input);
      return { ref: id, attributes: { ...Object.fromEntries(idAttributes.map((name) => [name, id])), ...extra?.(input, id) } };
    },
  };
}

/** A stable private address in 10.0.0.0/8 for a placeholder's CIDR block when the template gives none. */
const cidrOf = (input: IdentityInput): string => text(input.properties, 'CidrBlock') ?? '10.0.0.0/16';

/**
 * The VPC resources a CDK app declares (`ec2.Vpc` and what it makes: subnets, route tables,
 * gateways, NAT, endpoints, security groups), accepted with stable placeholder ids so that
 * functions placed in a VPC load and run, and references to the network resolve. Nothing
 * models the network: a function in a "private" subnet still reaches the local endpoint.
 * Return values as the CloudFormation reference documents them; list attributes
 * (`CidrBlockAssociations`, `DnsEntries`, ...) are not given.
 */
export const EC2_TYPE_SPECS: TypeSpecs = {
  'AWS::EC2::VPC': idResource('vpc', ['VpcId'], (input) => ({
    CidrBlock: cidrOf(input),
    DefaultNetworkAcl: ec2Id('acl', input),
    DefaultSecurityGroup: ec2Id('sg', input),
  })),
  'AWS::EC2::Subnet': idResource('subnet', ['SubnetId'], (input) => ({
    AvailabilityZone: text(input.properties, 'AvailabilityZone') ?? `${input.region}a`,
    CidrBlock: cidrOf(input),
    NetworkAclAssociationId: ec2Id('aclassoc', input),
    VpcId: text(input.properties, 'VpcId') ?? '',
  })),
  'AWS::EC2::RouteTable': idResource('rtb', ['RouteTableId']),
  'AWS::EC2::SubnetRouteTableAssociation': idResource('rtbassoc', ['Id']),
  'AWS::EC2::Route': idResource('r', [], (input) => ({ CidrBlock: text(input.properties, 'DestinationCidrBlock') ?? '' })),
  'AWS::EC2::InternetGateway': idResource('igw', ['InternetGatewayId']),
  'AWS::EC2::EgressOnlyInternetGateway': idResource('eigw', ['Id']),
  'AWS::EC2::VPCGatewayAttachment': idResource('igw-attach', []),
  'AWS::EC2::EIP': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      // TEST-NET-3 (RFC 5737): an address that is plainly not a real one.
      const byte = Number.parseInt(createHash('sha256').update(`${input.stackName}/${input.logicalId}`).digest('hex').slice(0, 2), 16);
      const publicIp = `203.0.113.${(byte % 254) + 1}`;
      return { ref: publicIp, attributes: { AllocationId: ec2Id('eipalloc', input), PublicIp: publicIp } };
    },
  },
  'AWS::EC2::NatGateway': idResource('nat', ['NatGatewayId']),
  'AWS::EC2::SecurityGroup': idResource('sg', ['GroupId'], (input) => ({ VpcId: text(input.properties, 'VpcId') ?? '' })),
  'AWS::EC2::SecurityGroupIngress': idResource('sgr', ['Id']),
  'AWS::EC2::SecurityGroupEgress': idResource('sgr', ['Id']),
  'AWS::EC2::VPCEndpoint': idResource('vpce', ['Id'], () => ({ CreationTimestamp: CREATED })),
  'AWS::EC2::NetworkAcl': idResource('acl', ['Id']),
  'AWS::EC2::NetworkAclEntry': idResource('aclentry', ['Id']),
  'AWS::EC2::SubnetNetworkAclAssociation': idResource('aclassoc', ['AssociationId']),
  'AWS::EC2::VPCCidrBlock': idResource('vpc-cidr-assoc', ['Id']),
  'AWS::EC2::FlowLog': idResource('fl', ['Id']),
  'AWS::EC2::PrefixList': idResource('pl', ['PrefixListId'], (input, id) => ({
    Arn: arn(input, 'ec2', `prefix-list/${id}`),
    Version: '1',
  })),
};

/** The one start-up line for an app with network resources. */
export const NETWORK_NOT_MODELLED =
  'VPC resources (subnets, security groups, gateways, endpoints) are accepted with placeholder ids (EC2 describes the VPCs, subnets and security groups under them); the network is not modelled: functions in a VPC run as any other, reaching the local endpoint and this machine';

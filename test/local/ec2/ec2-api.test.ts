import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetSecurityGroupsForVpcCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2Service } from '../../../local/ec2/ec2-service.js';
import { Ec2QueryProtocol } from '../../../local/ec2/query-protocol.js';
import { Endpoint } from '../../../local/endpoint/server.js';
import { sdkFailure } from '../../helpers/sdk-failure.js';
import { tempDataDir } from '../helpers.js';

const ACCOUNT = '000000000000';

/**
 * EC2's VPCs, subnets and security groups through the AWS SDK's own EC2 client (the EC2
 * protocol: query requests with `Name.N` lists, XML answers without a result wrapper, errors as
 * `<Response><Errors>`), answered as the API reference documents.
 */
describe('Ec2Service', () => {
  let endpoint: Endpoint;
  let ec2: EC2Client;
  let service: Ec2Service;

  beforeAll(async () => {
    service = new Ec2Service(new DatabaseSync(':memory:'), { region: 'us-east-1', accountId: ACCOUNT });
    service.declare({ stacks: [], warnings: [] });
    endpoint = new Endpoint({ port: 0 });
    const url = await endpoint.start();
    endpoint.mount({ jsonServices: [], queryServices: [new Ec2QueryProtocol(service)] });
    ec2 = new EC2Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  });

  afterAll(async () => {
    ec2?.destroy();
    await endpoint?.stop();
  });

  it('has a default VPC with a default subnet in each zone and a default security group', async () => {
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    expect(Vpcs).toHaveLength(1);
    const vpcId = Vpcs?.[0]?.VpcId;
    expect(Vpcs?.[0]).toMatchObject({ CidrBlock: '172.31.0.0/16', IsDefault: true, State: 'available', OwnerId: ACCOUNT });
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId ?? ''] }] }));
    expect(Subnets?.map((s) => s.AvailabilityZone).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((z) => `us-east-1${z}`).sort());
    expect(Subnets?.every((s) => s.DefaultForAz && s.AvailableIpAddressCount === 4091)).toBe(true);
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ['default'] }));
    expect(SecurityGroups?.[0]).toMatchObject({ GroupName: 'default', Description: 'default VPC security group', VpcId: vpcId });
  });

  it('creates a VPC with its tags and a default group, a subnet and a group in it, and deletes them', async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'team', Value: 'a' }] }] }),
    );
    const vpcId = Vpc?.VpcId ?? '';
    expect(Vpc).toMatchObject({ State: 'pending', IsDefault: false, Tags: [{ Key: 'team', Value: 'a' }], Ipv6CidrBlockAssociationSet: [] });
    expect(vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1b' }));
    expect(Subnet).toMatchObject({ VpcId: vpcId, AvailabilityZoneId: 'use1-az1', AvailableIpAddressCount: 251, State: 'available' });
    const group = await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'web', Description: 'Web' }));
    expect(group.SecurityGroupArn).toBe(`arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/${group.GroupId}`);
    const { SecurityGroupRules } = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: group.GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const ruleId = SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? '';
    expect(ruleId).toMatch(/^sgr-[0-9a-f]{17}$/);
    expect(SecurityGroupRules?.[0]?.SecurityGroupRuleArn).toBe(`arn:aws:ec2:us-east-1:${ACCOUNT}:security-group-rule/${ruleId}`);
    const { SecurityGroupForVpcs } = await ec2.send(new GetSecurityGroupsForVpcCommand({ VpcId: vpcId }));
    expect(SecurityGroupForVpcs?.map((g) => g.GroupName).sort()).toEqual(['default', 'web']);
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [group.GroupId ?? ''] }));
    expect(SecurityGroups?.[0]?.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);
    await ec2.send(new CreateTagsCommand({ Resources: [Subnet?.SubnetId ?? ''], Tags: [{ Key: 'tier', Value: 'private' }] }));
    const tagged = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:tier', Values: ['priv*'] }] }));
    expect(tagged.Subnets?.map((s) => s.SubnetId)).toEqual([Subnet?.SubnetId]);
    await ec2.send(new DeleteTagsCommand({ Resources: [Subnet?.SubnetId ?? ''], Tags: [{ Key: 'tier' }] }));
    expect((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [Subnet?.SubnetId ?? ''] }))).Subnets?.[0]?.Tags).toBeUndefined();

    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: Subnet?.SubnetId }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    expect(await sdkFailure(ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })))).toMatchObject({ code: 'InvalidVpcID.NotFound' });
  });

  it('describes availability zones by name, id or filter', async () => {
    const byId = await ec2.send(new DescribeAvailabilityZonesCommand({ ZoneIds: ['use1-az1'] }));
    expect(byId.AvailabilityZones).toEqual([
      expect.objectContaining({ ZoneName: 'us-east-1b', ZoneId: 'use1-az1', GroupLongName: 'US East (N. Virginia) 1', Messages: [] }),
    ]);
    const filtered = await ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-name', Values: ['us-east-1a'] }] }));
    expect(filtered.AvailabilityZones?.map((z) => z.ZoneId)).toEqual(['use1-az6']);
  });

  describe('errors', () => {
    it('fails if a VPC id does not exist', async () => {
      expect(await sdkFailure(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })))).toEqual({
        code: 'InvalidVpcID.NotFound',
        message: "The vpc ID 'vpc-0123456789abcdef0' does not exist",
        status: 400,
      });
      expect(await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: 'vpc-missing', CidrBlock: '10.0.0.0/24' })))).toMatchObject({
        code: 'InvalidVpcID.NotFound',
      });
    });

    it('fails if a subnet or security group id does not exist', async () => {
      expect(await sdkFailure(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-nope'] })))).toMatchObject({
        code: 'InvalidSubnetID.NotFound',
        message: "The subnet ID 'subnet-nope' does not exist",
      });
      expect(await sdkFailure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-nope'] })))).toMatchObject({
        code: 'InvalidGroup.NotFound',
        message: "The security group 'sg-nope' does not exist",
      });
      expect(await sdkFailure(ec2.send(new DeleteSubnetCommand({ SubnetId: 'subnet-nope' })))).toMatchObject({
        code: 'InvalidSubnetID.NotFound',
      });
    });

    it('fails if a CIDR block is not one, or out of range', async () => {
      expect(await sdkFailure(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.1/16' })))).toMatchObject({
        code: 'InvalidParameterValue',
        message: 'Value (10.0.0.1/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.',
      });
      expect(await sdkFailure(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })))).toMatchObject({
        code: 'InvalidVpc.Range',
        message: "The CIDR '10.0.0.0/8' is invalid.",
      });
    });

    it('fails if a subnet is outside its VPC or overlaps another', async () => {
      const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }));
      await ec2.send(new CreateSubnetCommand({ VpcId: Vpc?.VpcId, CidrBlock: '10.1.0.0/24' }));
      expect(await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: Vpc?.VpcId, CidrBlock: '10.2.0.0/24' })))).toMatchObject({
        code: 'InvalidSubnet.Range',
        message: "The CIDR '10.2.0.0/24' is invalid.",
      });
      expect(await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: Vpc?.VpcId, CidrBlock: '10.1.0.0/25' })))).toMatchObject({
        code: 'InvalidSubnet.Conflict',
        message: "The CIDR '10.1.0.0/25' conflicts with another subnet",
      });
    });

    it('fails if a VPC with subnets is deleted', async () => {
      const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16' }));
      await ec2.send(new CreateSubnetCommand({ VpcId: Vpc?.VpcId, CidrBlock: '10.3.0.0/24' }));
      expect(await sdkFailure(ec2.send(new DeleteVpcCommand({ VpcId: Vpc?.VpcId })))).toEqual({
        code: 'DependencyViolation',
        message: `The vpc '${Vpc?.VpcId}' has dependencies and cannot be deleted.`,
        status: 400,
      });
    });

    it('fails if a group name is taken in the VPC, or the default group is deleted', async () => {
      const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.4.0.0/16' }));
      await ec2.send(new CreateSecurityGroupCommand({ VpcId: Vpc?.VpcId, GroupName: 'app', Description: 'App' }));
      expect(
        await sdkFailure(ec2.send(new CreateSecurityGroupCommand({ VpcId: Vpc?.VpcId, GroupName: 'app', Description: 'App' }))),
      ).toEqual({
        code: 'InvalidGroup.Duplicate',
        message: `The security group 'app' already exists for VPC '${Vpc?.VpcId}'`,
        status: 400,
      });
      const { SecurityGroupForVpcs } = await ec2.send(new GetSecurityGroupsForVpcCommand({ VpcId: Vpc?.VpcId }));
      const defaultId = SecurityGroupForVpcs?.find((g) => g.GroupName === 'default')?.GroupId;
      expect(await sdkFailure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: defaultId })))).toMatchObject({ code: 'CannotDelete' });
    });

    it('fails if a filter is not one the call takes', async () => {
      expect(await sdkFailure(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })))).toMatchObject({
        code: 'InvalidParameterValue',
        message: "The filter 'colour' is invalid",
      });
    });

    it('fails if an action is not one the local service serves, naming it', async () => {
      const { RunInstancesCommand } = await import('@aws-sdk/client-ec2');
      expect(await sdkFailure(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1 })))).toMatchObject({ code: 'InvalidAction' });
    });
  });

  it('keeps what the API made across a restart, and does not make a deleted default VPC again', async () => {
    const file = join(tempDataDir(), 'ec2.db');
    const place = { region: 'eu-west-1', accountId: ACCOUNT };
    const first = new Ec2Service(new DatabaseSync(file), place);
    first.declare({ stacks: [], warnings: [] });
    const { Vpc } = await first.CreateVpc({ CidrBlock: '10.9.0.0/16' });
    const defaultVpc = (await first.DescribeVpcs({ Filters: [{ Name: 'is-default', Values: ['true'] }] })).Vpcs[0]?.VpcId ?? '';
    for (const subnet of (await first.DescribeSubnets({ Filters: [{ Name: 'vpc-id', Values: [defaultVpc] }] })).Subnets) {
      await first.DeleteSubnet({ SubnetId: subnet.SubnetId });
    }
    await first.DeleteVpc({ VpcId: defaultVpc });

    const again = new Ec2Service(new DatabaseSync(file), place);
    again.declare({ stacks: [], warnings: [] });
    const { Vpcs } = await again.DescribeVpcs({});
    expect(Vpcs.map((vpc) => vpc.VpcId)).toEqual([Vpc.VpcId]);
    expect((await again.DescribeAvailabilityZones({})).AvailabilityZones.map((zone) => zone.ZoneId)).toEqual([
      'euw1-az1',
      'euw1-az2',
      'euw1-az3',
    ]);
  });
});

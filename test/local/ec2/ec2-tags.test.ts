import { DatabaseSync } from 'node:sqlite';
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeSecurityGroupsCommand,
  DescribeTagsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2Service } from '../../../local/ec2/ec2-service.js';
import { Ec2Store } from '../../../local/ec2/ec2-store.js';
import { Ec2QueryProtocol } from '../../../local/ec2/query-protocol.js';
import { Endpoint } from '../../../local/endpoint/server.js';
import type { LoadedApp, LoadedResource } from '../../../local/template/load.js';
import { sdkFailure } from '../../helpers/sdk-failure.js';

const ACCOUNT = '000000000000';
const place = { region: 'us-east-1', accountId: ACCOUNT };

/** An app of one stack whose resources are these EC2 ones (what the template loader would hand the service). */
function appOf(resources: readonly Pick<LoadedResource, 'logicalId' | 'type' | 'ref' | 'properties'>[]): LoadedApp {
  const loaded = resources.map((r) => ({ ...r, stackName: 'Net', physicalName: r.logicalId, attributes: {}, metadata: {} }));
  return { stacks: [{ stackName: 'Net', resources: loaded }] as unknown as LoadedApp['stacks'], warnings: [] };
}

describe('Ec2Service tags', () => {
  let endpoint: Endpoint;
  let ec2: EC2Client;
  let service: Ec2Service;

  beforeAll(async () => {
    service = new Ec2Service(new DatabaseSync(':memory:'), place);
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

  it("describes every resource's tags, filtered by key, value, resource id and type, a page at a time", async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.1.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'team', Value: 'a' }] }] }),
    );
    const vpcId = Vpc?.VpcId ?? '';
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: 'tagged',
        Description: 'Tagged',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'b' }] }],
      }),
    );
    await ec2.send(new CreateTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'stage', Value: 'dev' }] }));
    const byKey = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['team'] }] }));
    expect(byKey.Tags).toEqual(
      expect.arrayContaining([
        { ResourceId: vpcId, ResourceType: 'vpc', Key: 'team', Value: 'a' },
        { ResourceId: group.GroupId, ResourceType: 'security-group', Key: 'team', Value: 'b' },
      ]),
    );
    const ofVpc = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [vpcId] }] }));
    expect(ofVpc.Tags?.map((t) => [t.Key, t.Value])).toEqual([
      ['team', 'a'],
      ['stage', 'dev'],
    ]);
    const groups = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'resource-type', Values: ['security-group'] },
          { Name: 'value', Values: ['b'] },
        ],
      }),
    );
    expect(groups.Tags?.map((t) => t.ResourceId)).toEqual([group.GroupId]);
    // Paging: MaxResults at a time, NextToken where the next page starts, none after the last.
    const { Vpc: other } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.4.0.0/16' }));
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
    await ec2.send(new CreateTagsCommand({ Resources: [other?.VpcId ?? ''], Tags: keys.map((Key) => ({ Key, Value: 'v' })) }));
    const ofOther = { Filters: [{ Name: 'resource-id', Values: [other?.VpcId ?? ''] }] };
    const first = await ec2.send(new DescribeTagsCommand({ ...ofOther, MaxResults: 5 }));
    expect(first.Tags?.map((t) => t.Key)).toEqual(keys.slice(0, 5));
    const rest = await ec2.send(new DescribeTagsCommand({ ...ofOther, MaxResults: 5, NextToken: first.NextToken }));
    expect(rest.Tags?.map((t) => t.Key)).toEqual(keys.slice(5));
    expect(rest.NextToken).toBeUndefined();
    // The Describe calls' answers and tag filters read the same tags.
    const tagged = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:stage', Values: ['dev'] }] }));
    expect(tagged.Vpcs?.map((v) => [v.VpcId, v.Tags])).toEqual([
      [
        vpcId,
        [
          { Key: 'team', Value: 'a' },
          { Key: 'stage', Value: 'dev' },
        ],
      ],
    ]);
    const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [group.GroupId ?? ''] }));
    expect(described.SecurityGroups?.[0]?.Tags).toEqual([{ Key: 'team', Value: 'b' }]);
  });

  it("deletes a tag given with a value only when its value is that one, and a deleted resource's tags go with it", async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }));
    const vpcId = Vpc?.VpcId ?? '';
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '10.2.1.0/24',
        TagSpecifications: [{ ResourceType: 'subnet', Tags: [{ Key: 'tier', Value: 'private' }] }],
      }),
    );
    const subnetId = Subnet?.SubnetId ?? '';
    await ec2.send(new CreateTagsCommand({ Resources: [vpcId, subnetId], Tags: [{ Key: 'owner', Value: 'ana' }] }));
    await ec2.send(new DeleteTagsCommand({ Resources: [subnetId], Tags: [{ Key: 'tier', Value: 'public' }, { Key: 'owner' }] }));
    expect(service.store.tagsOf(subnetId)).toEqual([{ Key: 'tier', Value: 'private' }]);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    expect(service.store.tags.list(subnetId)).toEqual([]);
    expect(service.store.tags.list(vpcId)).toEqual([]);
    expect((await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [vpcId, subnetId] }] }))).Tags).toEqual([]);
  });

  describe('errors', () => {
    it('fails if a resource named does not exist, tagging none of them', async () => {
      const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16' }));
      expect(
        await sdkFailure(
          ec2.send(new CreateTagsCommand({ Resources: [Vpc?.VpcId ?? '', 'subnet-0123456789abcdef0'], Tags: [{ Key: 'a', Value: 'b' }] })),
        ),
      ).toEqual({ code: 'InvalidSubnetID.NotFound', message: "The subnet ID 'subnet-0123456789abcdef0' does not exist", status: 400 });
      expect(service.store.tagsOf(Vpc?.VpcId ?? '')).toEqual([]);
    });

    it('fails if MaxResults is out of 5 to 1000 or a NextToken is not one it gave', async () => {
      expect(await sdkFailure(ec2.send(new DescribeTagsCommand({ MaxResults: 2 })))).toMatchObject({ code: 'InvalidParameterValue' });
      expect(await sdkFailure(ec2.send(new DescribeTagsCommand({ MaxResults: 5, NextToken: 'nonsense' })))).toMatchObject({
        code: 'InvalidNextToken',
      });
    });

    it('fails if a filter is not one DescribeTags takes', async () => {
      expect(await sdkFailure(ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'vpc-id', Values: ['x'] }] })))).toEqual({
        code: 'InvalidParameterValue',
        message: "The filter 'vpc-id' is invalid",
        status: 400,
      });
    });
  });
});

describe('Ec2Store tags', () => {
  it("gives the template's resources their template's Tags at each declaration and forgets a removed one's", () => {
    const service = new Ec2Service(new DatabaseSync(':memory:'), place);
    const vpc = (tags: { Key: string; Value: string }[]) => ({
      logicalId: 'Vpc',
      type: 'AWS::EC2::VPC',
      ref: 'vpc-0aaaaaaaaaaaaaaaa',
      properties: { CidrBlock: '10.9.0.0/16', Tags: tags },
    });
    const subnet = {
      logicalId: 'Sub',
      type: 'AWS::EC2::Subnet',
      ref: 'subnet-0bbbbbbbbbbbbbbbb',
      properties: { Tags: [{ Key: 'tier', Value: 'a' }] },
    };
    service.declare(appOf([vpc([{ Key: 'Name', Value: 'app' }]), subnet]));
    service.store.tags.tag('vpc-0aaaaaaaaaaaaaaaa', [['added', 'by-api']]);
    service.declare(appOf([vpc([{ Key: 'Name', Value: 'app-2' }])]));
    expect(service.store.tagsOf('vpc-0aaaaaaaaaaaaaaaa')).toEqual([{ Key: 'Name', Value: 'app-2' }]);
    expect(service.store.subnets.get('subnet-0bbbbbbbbbbbbbbbb')).toBeUndefined();
    expect(service.store.tags.list('subnet-0bbbbbbbbbbbbbbbb')).toEqual([]);
  });

  it("keeps the tags a data folder of an earlier version held in its resources' records, rewriting each without them", () => {
    const db = new DatabaseSync(':memory:');
    // The records as the earlier version kept them: each with its `Tags` list.
    for (const table of ['ec2_vpc', 'ec2_subnet', 'ec2_security_group'])
      db.exec(`CREATE TABLE ${table} (id TEXT PRIMARY KEY, json TEXT NOT NULL)`);
    const vpc = { VpcId: 'vpc-0cccccccccccccccc', CidrBlock: '10.0.0.0/16', OwnerId: ACCOUNT };
    const group = { GroupId: 'sg-0ddddddddddddddddd', GroupName: 'web', VpcId: vpc.VpcId, OwnerId: ACCOUNT };
    db.prepare('INSERT INTO ec2_vpc (id, json) VALUES (?, ?)').run(
      vpc.VpcId,
      JSON.stringify({ ...vpc, Tags: [{ Key: 'team', Value: 'a' }] }),
    );
    db.prepare('INSERT INTO ec2_security_group (id, json) VALUES (?, ?)').run(group.GroupId, JSON.stringify({ ...group, Tags: [] }));
    const store = new Ec2Store(db);
    expect(store.tagsOf(vpc.VpcId)).toEqual([{ Key: 'team', Value: 'a' }]);
    expect(store.tagsOf(group.GroupId)).toEqual([]);
    expect(store.vpcs.get(vpc.VpcId)).toEqual(vpc);
    expect(store.groups.get(group.GroupId)).toEqual(group);
    expect(new Ec2Store(db).tagsOf(vpc.VpcId)).toEqual([{ Key: 'team', Value: 'a' }]);
  });
});

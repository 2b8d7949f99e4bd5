import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import type { LoadedApp } from '../template/load.js';
import {
  ALL_EGRESS,
  defaultGroup,
  groupAnswer,
  groupArn,
  groupForVpcAnswer,
  newId,
  type Place,
  ruleAnswer,
  specifiedTags,
  subnetAnswer,
  vpcAnswer,
} from './answers.js';
import { contains, inBlockRange, overlaps, parseCidr } from './cidr.js';
import {
  defaultGroupUndeletable,
  duplicateGroup,
  groupHasDependencies,
  groupNameNotFound,
  groupNameReserved,
  groupNotFound,
  missingParameter,
  subnetConflict,
  subnetNotFound,
  subnetRange,
  vpcHasDependencies,
  vpcNotFound,
  vpcRange,
  zoneNotFound,
} from './ec2-errors.js';
import { Ec2Store, type IpPermission, type SecurityGroupRecord, type SubnetRecord, type VpcRecord } from './ec2-store.js';
import { type Filter, type FilterFields, filtered } from './filters.js';
import { declareTemplateNetwork, ensureDefaultVpc } from './network-defaults.js';
import { createTags, deleteTags, describeTags } from './tags.js';
import { zonesOf } from './zones.js';

type Input = Readonly<Record<string, unknown>>;

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const filtersOf = (input: Input): Filter[] | undefined => input.Filters as Filter[] | undefined;

const VPC_FILTERS: FilterFields<VpcRecord> = {
  'vpc-id': (vpc) => [vpc.VpcId],
  'cidr-block': (vpc) => [vpc.CidrBlock],
  cidr: (vpc) => [vpc.CidrBlock],
  'cidr-block-association.cidr-block': (vpc) => [vpc.CidrBlock],
  'dhcp-options-id': (vpc) => [vpc.DhcpOptionsId],
  'is-default': (vpc) => [vpc.IsDefault],
  'owner-id': (vpc) => [vpc.OwnerId],
  state: () => ['available'],
};

const SUBNET_FILTERS: FilterFields<SubnetRecord> = {
  'subnet-id': (subnet) => [subnet.SubnetId],
  'vpc-id': (subnet) => [subnet.VpcId],
  'cidr-block': (subnet) => [subnet.CidrBlock],
  cidr: (subnet) => [subnet.CidrBlock],
  cidrBlock: (subnet) => [subnet.CidrBlock],
  'availability-zone': (subnet) => [subnet.AvailabilityZone],
  'availability-zone-id': (subnet) => [subnet.AvailabilityZoneId],
  'default-for-az': (subnet) => [subnet.DefaultForAz],
  defaultForAz: (subnet) => [subnet.DefaultForAz],
  'map-public-ip-on-launch': (subnet) => [subnet.MapPublicIpOnLaunch],
  'owner-id': (subnet) => [subnet.OwnerId],
  state: () => ['available'],
};

const GROUP_FILTERS: FilterFields<SecurityGroupRecord> = {
  'group-id': (group) => [group.GroupId],
  'group-name': (group) => [group.GroupName],
  description: (group) => [group.Description],
  'vpc-id': (group) => [group.VpcId],
  'owner-id': (group) => [group.OwnerId],
};

const ZONE_FILTERS: FilterFields<ReturnType<typeof zonesOf>[number]> = {
  'zone-name': (zone) => [zone.ZoneName],
  'zone-id': (zone) => [zone.ZoneId],
  'region-name': (zone) => [zone.RegionName],
  state: (zone) => [zone.State],
  'zone-type': (zone) => [zone.ZoneType],
  'group-name': (zone) => [zone.GroupName],
  'opt-in-status': (zone) => [zone.OptInStatus],
};

/**
 * EC2's VPCs, subnets and security groups, as its API reference documents them: enough of
 * the network for the calls that name it (Lambda's VpcConfig, an app's `aws ec2 describe-*`),
 * kept in the data folder. Nothing routes traffic: functions in a VPC still reach the local
 * endpoint (docs/local-runtime-support.md).
 */
export class Ec2Service {
  readonly store: Ec2Store;

  constructor(
    db: DatabaseSync,
    private readonly place: Place,
  ) {
    this.store = new Ec2Store(db);
  }

  /** The default VPC (once) and the template's network, as the runtime starts or reloads. */
  declare(app: LoadedApp): void {
    this.store.atomically(() => {
      ensureDefaultVpc(this.store, this.place);
      declareTemplateNetwork(this.store, app, this.place);
    });
  }

  async CreateVpc(input: Input) {
    const cidrText = input.CidrBlock;
    if (typeof cidrText !== 'string') throw missingParameter('CidrBlock');
    if (!inBlockRange(parseCidr(cidrText))) throw vpcRange(cidrText);
    const VpcId = newId('vpc');
    const vpc: VpcRecord = {
      VpcId,
      CidrBlock: cidrText,
      AssociationId: newId('vpc-cidr-assoc'),
      DhcpOptionsId: this.#defaultVpc()?.DhcpOptionsId ?? newId('dopt'),
      InstanceTenancy: typeof input.InstanceTenancy === 'string' ? input.InstanceTenancy : 'default',
      IsDefault: false,
      OwnerId: this.place.accountId,
    };
    const group = defaultGroup(vpc, newId('sg'));
    this.store.atomically(() => {
      this.store.vpcs.put(VpcId, vpc);
      this.store.groups.put(group.GroupId, group);
      this.store.tags.tag(VpcId, specifiedTags(input.TagSpecifications, 'vpc'));
    });
    return { Vpc: vpcAnswer(vpc, this.store.tagsOf(VpcId), 'pending') };
  }

  async DescribeVpcs(input: Input) {
    const vpcs = this.#named(this.store.vpcs.all(), list(input.VpcIds), (vpc) => vpc.VpcId, vpcNotFound);
    const tagsOf = (vpc: VpcRecord) => this.store.tagsOf(vpc.VpcId);
    return { Vpcs: filtered(vpcs, filtersOf(input), VPC_FILTERS, tagsOf).map((vpc) => vpcAnswer(vpc, tagsOf(vpc))) };
  }

  async DeleteVpc(input: Input) {
    const vpc = this.#vpc(input.VpcId);
    const groups = this.store.groups.all().filter((group) => group.VpcId === vpc.VpcId);
    const inUse = this.store.subnets.all().some((subnet) => subnet.VpcId === vpc.VpcId) || groups.some((g) => g.GroupName !== 'default');
    if (inUse) throw vpcHasDependencies(vpc.VpcId);
    this.store.atomically(() => {
      for (const group of groups) this.store.remove(this.store.groups, group.GroupId);
      this.store.remove(this.store.vpcs, vpc.VpcId);
    });
    return { Return: true };
  }

  async CreateSubnet(input: Input) {
    if (typeof input.VpcId !== 'string') throw missingParameter('VpcId');
    if (typeof input.CidrBlock !== 'string') throw missingParameter('CidrBlock');
    const vpc = this.#vpc(input.VpcId);
    const cidr = parseCidr(input.CidrBlock);
    if (!inBlockRange(cidr) || !contains(parseCidr(vpc.CidrBlock), cidr)) throw subnetRange(input.CidrBlock);
    const siblings = this.store.subnets.all().filter((subnet) => subnet.VpcId === vpc.VpcId);
    if (siblings.some((subnet) => overlaps(parseCidr(subnet.CidrBlock), cidr))) throw subnetConflict(input.CidrBlock);
    const zones = zonesOf(this.place.region);
    const zone =
      input.AvailabilityZone !== undefined || input.AvailabilityZoneId !== undefined
        ? zones.find((z) => z.ZoneName === input.AvailabilityZone || z.ZoneId === input.AvailabilityZoneId)
        : zones[Math.floor(Math.random() * zones.length)];
    if (zone === undefined) {
      throw zoneNotFound(
        String(input.AvailabilityZone ?? input.AvailabilityZoneId),
        zones.map((z) => z.ZoneName),
      );
    }
    const subnet: SubnetRecord = {
      SubnetId: newId('subnet'),
      VpcId: vpc.VpcId,
      CidrBlock: input.CidrBlock,
      AvailabilityZone: zone.ZoneName,
      AvailabilityZoneId: zone.ZoneId,
      DefaultForAz: false,
      MapPublicIpOnLaunch: false,
      OwnerId: this.place.accountId,
    };
    this.store.atomically(() => {
      this.store.subnets.put(subnet.SubnetId, subnet);
      this.store.tags.tag(subnet.SubnetId, specifiedTags(input.TagSpecifications, 'subnet'));
    });
    return { Subnet: subnetAnswer(subnet, this.store.tagsOf(subnet.SubnetId), this.place) };
  }

  async DescribeSubnets(input: Input) {
    const subnets = this.#named(this.store.subnets.all(), list(input.SubnetIds), (subnet) => subnet.SubnetId, subnetNotFound);
    const tagsOf = (subnet: SubnetRecord) => this.store.tagsOf(subnet.SubnetId);
    return {
      Subnets: filtered(subnets, filtersOf(input), SUBNET_FILTERS, tagsOf).map((subnet) =>
        subnetAnswer(subnet, tagsOf(subnet), this.place),
      ),
    };
  }

  async DeleteSubnet(input: Input) {
    const id = String(input.SubnetId ?? '');
    if (this.store.subnets.get(id) === undefined) throw subnetNotFound(id);
    this.store.remove(this.store.subnets, id);
    return {};
  }

  async CreateSecurityGroup(input: Input) {
    if (typeof input.GroupName !== 'string') throw missingParameter('GroupName');
    if (typeof input.Description !== 'string') throw missingParameter('GroupDescription');
    if (input.GroupName.toLowerCase().startsWith('sg-')) throw groupNameReserved();
    const vpc = input.VpcId === undefined ? this.#defaultVpc() : this.#vpc(input.VpcId);
    if (vpc === undefined) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
    const name = input.GroupName;
    if (this.store.groups.all().some((group) => group.VpcId === vpc.VpcId && group.GroupName === name)) {
      throw duplicateGroup(name, vpc.VpcId);
    }
    const group: SecurityGroupRecord = {
      GroupId: newId('sg'),
      GroupName: name,
      Description: input.Description,
      VpcId: vpc.VpcId,
      OwnerId: this.place.accountId,
      IpPermissions: [],
      IpPermissionsEgress: [ALL_EGRESS],
    };
    this.store.atomically(() => {
      this.store.groups.put(group.GroupId, group);
      this.store.tags.tag(group.GroupId, specifiedTags(input.TagSpecifications, 'security-group'));
    });
    const tags = this.store.tagsOf(group.GroupId);
    return {
      GroupId: group.GroupId,
      ...(tags.length > 0 ? { Tags: tags } : {}),
      SecurityGroupArn: groupArn(group, this.place),
    };
  }

  async DescribeSecurityGroups(input: Input) {
    let groups = this.#named(this.store.groups.all(), list(input.GroupIds), (group) => group.GroupId, groupNotFound);
    const names = list(input.GroupNames);
    if (names.length > 0) {
      // Group names name groups of the default VPC only.
      const vpcId = this.#defaultVpc()?.VpcId ?? '';
      const missing = names.find((name) => !groups.some((group) => group.VpcId === vpcId && group.GroupName === name));
      if (missing !== undefined) throw groupNameNotFound(missing, vpcId);
      groups = groups.filter((group) => group.VpcId === vpcId && names.includes(group.GroupName));
    }
    const tagsOf = (group: SecurityGroupRecord) => this.store.tagsOf(group.GroupId);
    return {
      SecurityGroups: filtered(groups, filtersOf(input), GROUP_FILTERS, tagsOf).map((group) =>
        groupAnswer(group, tagsOf(group), this.place),
      ),
    };
  }

  async DeleteSecurityGroup(input: Input) {
    const group = this.#group(input);
    if (group.GroupName === 'default') throw defaultGroupUndeletable(group.GroupId);
    const referenced = this.store.groups
      .all()
      .some((other) =>
        [...other.IpPermissions, ...other.IpPermissionsEgress].some((rule) =>
          ((rule.UserIdGroupPairs ?? []) as { GroupId?: string }[]).some(
            (pair) => pair.GroupId === group.GroupId && other.GroupId !== group.GroupId,
          ),
        ),
      );
    if (referenced) throw groupHasDependencies(group.GroupId);
    this.store.remove(this.store.groups, group.GroupId);
    return { Return: true, GroupId: group.GroupId };
  }

  async GetSecurityGroupsForVpc(input: Input) {
    const vpc = this.#vpc(input.VpcId);
    const groups = this.store.groups.all().filter((group) => group.VpcId === vpc.VpcId);
    const tagsOf = (group: SecurityGroupRecord) => this.store.tagsOf(group.GroupId);
    return {
      SecurityGroupForVpcs: filtered(groups, filtersOf(input), GROUP_FILTERS, tagsOf).map((group) =>
        groupForVpcAnswer(group, tagsOf(group)),
      ),
    };
  }

  async AuthorizeSecurityGroupIngress(input: Input) {
    const group = this.#group(input);
    const given = Array.isArray(input.IpPermissions) ? (input.IpPermissions as IpPermission[]) : [];
    const permissions: IpPermission[] = given.map((rule) => ({
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [],
      IpRanges: [],
      ...rule,
    }));
    this.store.groups.put(group.GroupId, { ...group, IpPermissions: [...group.IpPermissions, ...permissions] });
    const rules = permissions.flatMap((rule) =>
      (rule.IpRanges as { CidrIp?: string; Description?: string }[]).map((range) =>
        ruleAnswer(group, newId('sgr'), rule, range, this.place),
      ),
    );
    return { Return: true, SecurityGroupRules: rules };
  }

  async CreateTags(input: Input) {
    createTags(this.store, input);
    return {};
  }

  async DeleteTags(input: Input) {
    deleteTags(this.store, input);
    return {};
  }

  async DescribeTags(input: Input) {
    return describeTags(this.store, input);
  }

  async DescribeAvailabilityZones(input: Input) {
    const zones = zonesOf(this.place.region);
    const names = list(input.ZoneNames);
    const ids = list(input.ZoneIds);
    const named = zones.filter(
      (zone) => (names.length === 0 && ids.length === 0) || names.includes(zone.ZoneName) || ids.includes(zone.ZoneId),
    );
    const missing = [
      ...names.filter((name) => !zones.some((z) => z.ZoneName === name)),
      ...ids.filter((id) => !zones.some((z) => z.ZoneId === id)),
    ];
    if (missing.length > 0) {
      throw new AwsError('InvalidParameterValue', `The zone '${missing[0]}' does not exist in the region '${this.place.region}'`);
    }
    // Zones take no tags: a tag filter matches none.
    return { AvailabilityZones: filtered(named, filtersOf(input), ZONE_FILTERS, () => []) };
  }

  /** The items the ids name, every one (the first unknown is the error), or every item when no ids are given. */
  #named<T>(items: readonly T[], ids: readonly string[], idOf: (item: T) => string, notFound: (id: string) => AwsError): T[] {
    if (ids.length === 0) return [...items];
    const missing = ids.find((id) => !items.some((item) => idOf(item) === id));
    if (missing !== undefined) throw notFound(missing);
    return items.filter((item) => ids.includes(idOf(item)));
  }

  #vpc(id: unknown): VpcRecord {
    if (typeof id !== 'string') throw missingParameter('VpcId');
    const vpc = this.store.vpcs.get(id);
    if (vpc === undefined) throw vpcNotFound(id);
    return vpc;
  }

  #defaultVpc(): VpcRecord | undefined {
    return this.store.vpcs.all().find((vpc) => vpc.IsDefault);
  }

  /** The group a GroupId names, or a GroupName in the default VPC. */
  #group(input: Input): SecurityGroupRecord {
    if (typeof input.GroupId === 'string') {
      const group = this.store.groups.get(input.GroupId);
      if (group === undefined) throw groupNotFound(input.GroupId);
      return group;
    }
    if (typeof input.GroupName !== 'string') throw missingParameter('GroupId');
    const vpcId = this.#defaultVpc()?.VpcId ?? '';
    const group = this.store.groups.all().find((g) => g.VpcId === vpcId && g.GroupName === input.GroupName);
    if (group === undefined) throw groupNameNotFound(input.GroupName, vpcId);
    return group;
  }
}

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
import { Ec2Store, type IpPermission, type SecurityGroupRecord, type SubnetRecord, type Tag, type VpcRecord } from './ec2-store.js';
import { type Filter, type FilterFields, filtered } from './filters.js';
import { declareTemplateNetwork, ensureDefaultVpc } from './network-defaults.js';
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

const ZONE_FILTERS: FilterFields<ReturnType<typeof zonesOf>[number] & { Tags: readonly Tag[] }> = {
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
      Tags: specifiedTags(input.TagSpecifications, 'vpc'),
    };
    const group = defaultGroup(vpc, newId('sg'));
    this.store.atomically(() => {
      this.store.vpcs.put(VpcId, vpc);
      this.store.groups.put(group.GroupId, group);
    });
    return { Vpc: vpcAnswer(vpc, 'pending') };
  }

  async DescribeVpcs(input: Input) {
    const vpcs = this.#named(this.store.vpcs.all(), list(input.VpcIds), (vpc) => vpc.VpcId, vpcNotFound);
    return { Vpcs: filtered(vpcs, filtersOf(input), VPC_FILTERS).map((vpc) => vpcAnswer(vpc)) };
  }

  async DeleteVpc(input: Input) {
    const vpc = this.#vpc(input.VpcId);
    const groups = this.store.groups.all().filter((group) => group.VpcId === vpc.VpcId);
    const inUse = this.store.subnets.all().some((subnet) => subnet.VpcId === vpc.VpcId) || groups.some((g) => g.GroupName !== 'default');
    if (inUse) throw vpcHasDependencies(vpc.VpcId);
    this.store.atomically(() => {
      for (const group of groups) this.store.groups.delete(group.GroupId);
      this.store.vpcs.delete(vpc.VpcId);
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
      Tags: specifiedTags(input.TagSpecifications, 'subnet'),
    };
    this.store.subnets.put(subnet.SubnetId, subnet);
    return { Subnet: subnetAnswer(subnet, this.place) };
  }

  async DescribeSubnets(input: Input) {
    const subnets = this.#named(this.store.subnets.all(), list(input.SubnetIds), (subnet) => subnet.SubnetId, subnetNotFound);
    return { Subnets: filtered(subnets, filtersOf(input), SUBNET_FILTERS).map((subnet) => subnetAnswer(subnet, this.place)) };
  }

  async DeleteSubnet(input: Input) {
    const id = String(input.SubnetId ?? '');
    if (this.store.subnets.get(id) === undefined) throw subnetNotFound(id);
    this.store.subnets.delete(id);
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
      Tags: specifiedTags(input.TagSpecifications, 'security-group'),
      IpPermissions: [],
      IpPermissionsEgress: [ALL_EGRESS],
    };
    this.store.groups.put(group.GroupId, group);
    return {
      GroupId: group.GroupId,
      ...(group.Tags.length > 0 ? { Tags: group.Tags } : {}),
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
    return { SecurityGroups: filtered(groups, filtersOf(input), GROUP_FILTERS).map((group) => groupAnswer(group, this.place)) };
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
    this.store.groups.delete(group.GroupId);
    return { Return: true, GroupId: group.GroupId };
  }

  async GetSecurityGroupsForVpc(input: Input) {
    const vpc = this.#vpc(input.VpcId);
    const groups = this.store.groups.all().filter((group) => group.VpcId === vpc.VpcId);
    return { SecurityGroupForVpcs: filtered(groups, filtersOf(input), GROUP_FILTERS).map(groupForVpcAnswer) };
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
    this.#retag(input, (tags, given) => [
      ...tags.filter((tag) => !given.some((g) => g.Key === tag.Key)),
      ...given.map((g) => ({ Key: g.Key, Value: g.Value ?? '' })),
    ]);
    return {};
  }

  async DeleteTags(input: Input) {
    // A tag given with a value goes only when its value is that one; without one, whatever its value.
    this.#retag(input, (tags, given) =>
      given.length === 0
        ? []
        : tags.filter((tag) => !given.some((g) => g.Key === tag.Key && (g.Value === undefined || g.Value === tag.Value))),
    );
    return {};
  }

  async DescribeAvailabilityZones(input: Input) {
    const zones = zonesOf(this.place.region).map((zone) => ({ ...zone, Tags: [] as Tag[] }));
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
    return { AvailabilityZones: filtered(named, filtersOf(input), ZONE_FILTERS).map(({ Tags: _, ...zone }) => zone) };
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

  /** Changes the tags of every resource named (each must exist), by `change(current, given)`. */
  #retag(input: Input, change: (tags: readonly Tag[], given: readonly { Key: string; Value?: string }[]) => Tag[]): void {
    const given = (Array.isArray(input.Tags) ? input.Tags : []) as { Key: string; Value?: string }[];
    const ids = list(input.Resources);
    if (ids.length === 0) throw missingParameter('ResourceId');
    for (const id of ids) {
      const table = this.store.tableOf(id);
      const item = table?.get(id);
      if (table === undefined || item === undefined) throw notFoundById(id);
    }
    for (const id of ids) {
      const table = this.store.tableOf(id) as {
        get(id: string): { Tags: readonly Tag[] } | undefined;
        put(id: string, value: unknown): void;
      };
      const item = table.get(id);
      if (item) table.put(id, { ...item, Tags: change(item.Tags, given) });
    }
  }
}

/** The NotFound error of the kind an id names (`vpc-`, `subnet-`, `sg-`). */
function notFoundById(id: string): AwsError {
  if (id.startsWith('vpc-')) return vpcNotFound(id);
  if (id.startsWith('subnet-')) return subnetNotFound(id);
  if (id.startsWith('sg-')) return groupNotFound(id);
  return new AwsError('InvalidID', `The ID '${id}' is not valid`);
}

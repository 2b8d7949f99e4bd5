import { createHash } from 'node:crypto';
import type { TagPair } from '../store/tag-store.js';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import { ALL_EGRESS, defaultGroup, type Place } from './answers.js';
import type { Ec2Store, IpPermission, Owned, SecurityGroupRecord, SubnetRecord, Tag, VpcRecord } from './ec2-store.js';
import { zonesOf } from './zones.js';

/**
 * The network that is there before any call: the account's default VPC in the region (as AWS
 * makes one for every account: 172.31.0.0/16, a /20 default subnet in each zone, a default
 * group), and the template's VPCs, subnets and security groups under the ids their Ref
 * resolves to (resource-types.ts), so that Describe* and Lambda's VpcConfig check find them.
 */

/** A stable id for the default network's resources: the same account and region find the same ones after a restart. */
function stableId(prefix: string, ...parts: string[]): string {
  return `${prefix}-0${createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 16)}`;
}

/** Makes the default VPC, its subnets and group, where the store has none yet (a deleted default VPC stays deleted). */
export function ensureDefaultVpc(store: Ec2Store, place: Place): void {
  if (store.facts.get('defaultVpc')) return;
  store.facts.put('defaultVpc', true);
  const VpcId = stableId('vpc', place.accountId, place.region, 'default');
  const owner = { OwnerId: place.accountId };
  store.vpcs.put(VpcId, {
    ...owner,
    VpcId,
    CidrBlock: '172.31.0.0/16',
    AssociationId: stableId('vpc-cidr-assoc', VpcId),
    DhcpOptionsId: stableId('dopt', place.accountId, place.region),
    InstanceTenancy: 'default',
    IsDefault: true,
  });
  zonesOf(place.region).forEach((zone, index) => {
    const SubnetId = stableId('subnet', VpcId, zone.ZoneName);
    store.subnets.put(SubnetId, {
      ...owner,
      SubnetId,
      VpcId,
      CidrBlock: `172.31.${index * 16}.0/20`,
      AvailabilityZone: zone.ZoneName,
      AvailabilityZoneId: zone.ZoneId,
      DefaultForAz: true,
      MapPublicIpOnLaunch: true,
    });
  });
  const group = defaultGroup({ VpcId, OwnerId: place.accountId }, stableId('sg', VpcId, 'default'));
  store.groups.put(group.GroupId, group);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** What every record the template declares carries: the account and the resource it stands for. */
function templateOwner(place: Place, template: string): Owned {
  return { OwnerId: place.accountId, template };
}

/** A template resource's `Tags` (a list of `{ Key, Value }`), which it has again at each start and reload. */
function templateTags(resource: LoadedResource): TagPair[] {
  const tags = resource.properties.Tags;
  return Array.isArray(tags) ? (tags as unknown as Partial<Tag>[]).map((tag): TagPair => [String(tag.Key), String(tag.Value ?? '')]) : [];
}

/** A template rule (SecurityGroupIngress/Egress's items) as EC2 answers one. */
function templateRule(rule: Record<string, unknown>): IpPermission {
  return {
    IpProtocol: String(rule.IpProtocol ?? '-1'),
    ...(rule.FromPort !== undefined ? { FromPort: Number(rule.FromPort) } : {}),
    ...(rule.ToPort !== undefined ? { ToPort: Number(rule.ToPort) } : {}),
    IpRanges: text(rule.CidrIp) ? [{ CidrIp: rule.CidrIp, ...(text(rule.Description) ? { Description: rule.Description } : {}) }] : [],
    Ipv6Ranges: text(rule.CidrIpv6) ? [{ CidrIpv6: rule.CidrIpv6 }] : [],
    PrefixListIds: [],
    UserIdGroupPairs: text(rule.SourceSecurityGroupId) ? [{ GroupId: rule.SourceSecurityGroupId }] : [],
  };
}

function templateVpc(resource: LoadedResource, place: Place, template: string): VpcRecord {
  return {
    ...templateOwner(place, template),
    VpcId: resource.ref,
    CidrBlock: resource.attributes.CidrBlock ?? '10.0.0.0/16',
    AssociationId: stableId('vpc-cidr-assoc', resource.ref),
    DhcpOptionsId: stableId('dopt', place.accountId, place.region),
    InstanceTenancy: text(resource.properties.InstanceTenancy) ?? 'default',
    IsDefault: false,
  };
}

function templateSubnet(resource: LoadedResource, place: Place, template: string): SubnetRecord {
  const zones = zonesOf(place.region);
  const zoneName = resource.attributes.AvailabilityZone ?? `${place.region}a`;
  return {
    ...templateOwner(place, template),
    SubnetId: resource.ref,
    VpcId: resource.attributes.VpcId ?? '',
    CidrBlock: resource.attributes.CidrBlock ?? '10.0.0.0/24',
    AvailabilityZone: zoneName,
    AvailabilityZoneId: zones.find((zone) => zone.ZoneName === zoneName)?.ZoneId ?? zones[0]?.ZoneId ?? '',
    DefaultForAz: false,
    MapPublicIpOnLaunch: resource.properties.MapPublicIpOnLaunch === true,
  };
}

function templateGroup(resource: LoadedResource, place: Place, template: string, defaultVpc: string | undefined): SecurityGroupRecord {
  const rules = (name: string) =>
    Array.isArray(resource.properties[name]) ? (resource.properties[name] as Record<string, unknown>[]).map(templateRule) : undefined;
  return {
    ...templateOwner(place, template),
    GroupId: resource.ref,
    GroupName: text(resource.properties.GroupName) ?? resource.physicalName,
    Description: text(resource.properties.GroupDescription) ?? '',
    VpcId: text(resource.properties.VpcId) ?? defaultVpc ?? '',
    IpPermissions: rules('SecurityGroupIngress') ?? [],
    IpPermissionsEgress: rules('SecurityGroupEgress') ?? [ALL_EGRESS],
  };
}

/** Writes the template's VPCs (with their default groups), subnets and groups, and drops those of resources it no longer has. */
export function declareTemplateNetwork(store: Ec2Store, app: LoadedApp, place: Place): void {
  const defaultVpc = store.vpcs.all().find((vpc) => vpc.IsDefault)?.VpcId;
  const kept = new Set<string>();
  for (const stack of app.stacks) {
    for (const resource of stack.resources) {
      const template = `${stack.stackName}/${resource.logicalId}`;
      if (resource.type === 'AWS::EC2::VPC') {
        const vpc = templateVpc(resource, place, template);
        store.vpcs.put(vpc.VpcId, vpc);
        store.tags.replace(vpc.VpcId, templateTags(resource));
        const group = defaultGroup(vpc, resource.attributes.DefaultSecurityGroup ?? stableId('sg', vpc.VpcId), template);
        store.groups.put(group.GroupId, group);
        kept.add(vpc.VpcId).add(group.GroupId);
      } else if (resource.type === 'AWS::EC2::Subnet') {
        store.subnets.put(resource.ref, templateSubnet(resource, place, template));
        store.tags.replace(resource.ref, templateTags(resource));
        kept.add(resource.ref);
      } else if (resource.type === 'AWS::EC2::SecurityGroup') {
        store.groups.put(resource.ref, templateGroup(resource, place, template, defaultVpc));
        store.tags.replace(resource.ref, templateTags(resource));
        kept.add(resource.ref);
      }
    }
  }
  for (const table of [store.subnets, store.groups, store.vpcs] as const) {
    for (const [id, item] of table.entries()) if (item.template !== undefined && !kept.has(id)) store.remove(table, id);
  }
}

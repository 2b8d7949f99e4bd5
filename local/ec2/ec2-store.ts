import type { DatabaseSync } from 'node:sqlite';
import { JsonTable } from '../store/json-table.js';
import { embeddedTags, TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';

/** A tag as EC2 answers it. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** A security group rule as EC2 answers it (IpPermissions), kept as given. */
export type IpPermission = Readonly<Record<string, unknown>>;

/** What a VPC, a subnet or a security group keeps besides its own fields (its tags are in the store's `tags`). */
export interface Owned {
  readonly OwnerId: string;
  /** The template resource it stands for (`<stack>/<logicalId>`): it follows the template, not the API. */
  readonly template?: string;
}

export interface VpcRecord extends Owned {
  readonly VpcId: string;
  readonly CidrBlock: string;
  readonly AssociationId: string;
  readonly DhcpOptionsId: string;
  readonly InstanceTenancy: string;
  readonly IsDefault: boolean;
}

export interface SubnetRecord extends Owned {
  readonly SubnetId: string;
  readonly VpcId: string;
  readonly CidrBlock: string;
  readonly AvailabilityZone: string;
  readonly AvailabilityZoneId: string;
  readonly DefaultForAz: boolean;
  readonly MapPublicIpOnLaunch: boolean;
}

export interface SecurityGroupRecord extends Owned {
  readonly GroupId: string;
  readonly GroupName: string;
  readonly Description: string;
  readonly VpcId: string;
  readonly IpPermissions: readonly IpPermission[];
  readonly IpPermissionsEgress: readonly IpPermission[];
}

/**
 * The network EC2 keeps in the data folder, each resource a JSON document by its id: the
 * account's default VPC with its subnets and group, the template's resources, and what the API
 * made. It survives restarts as every service's state does.
 */
export class Ec2Store {
  readonly vpcs: JsonTable<VpcRecord>;
  readonly subnets: JsonTable<SubnetRecord>;
  readonly groups: JsonTable<SecurityGroupRecord>;
  /** Facts about the store itself: `defaultVpc` once the default network was made (a deleted default VPC is not made again). */
  readonly facts: JsonTable<true>;
  /**
   * The resources' tags, by the resource's id (`vpc-…`, `subnet-…`, `sg-…`), not an ARN: EC2's
   * API names a resource by its id everywhere tags are concerned (CreateTags' and DeleteTags'
   * `Resources`, DescribeTags' `resource-id`, the Describe calls' ids), and a VPC has no ARN in
   * its answers at all.
   */
  readonly tags: TagStore;

  constructor(private readonly db: DatabaseSync) {
    this.facts = new JsonTable(db, 'ec2_fact', 'name');
    this.vpcs = new JsonTable(db, 'ec2_vpc', 'id');
    this.subnets = new JsonTable(db, 'ec2_subnet', 'id');
    this.groups = new JsonTable(db, 'ec2_security_group', 'id');
    // Before the TagStore, each resource's record held its `Tags` list.
    this.tags = new TagStore(db, [
      embeddedTags('ec2_vpc', 'id', 'Tags', (vpc) => String(vpc.VpcId)),
      embeddedTags('ec2_subnet', 'id', 'Tags', (subnet) => String(subnet.SubnetId)),
      embeddedTags('ec2_security_group', 'id', 'Tags', (group) => String(group.GroupId)),
    ]);
  }

  /** The resource's tags as EC2 answers them, in the order their keys were first given. */
  tagsOf(id: string): Tag[] {
    return this.tags.list(id).map(([Key, Value]) => ({ Key, Value }));
  }

  /** Deletes a resource of `table` with its tags: one made again under its id starts untagged. */
  remove(table: { delete(id: string): unknown }, id: string): void {
    this.atomically(() => {
      table.delete(id);
      this.tags.forget(id);
    });
  }

  /** Runs `work` as one transaction: a VPC and its default group, or a declaration of the template's network, are written whole or not at all. */
  atomically<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }

  /** The resource of any kind an id names (CreateTags and DeleteTags take ids of every kind). */
  tableOf(id: string): JsonTable<VpcRecord> | JsonTable<SubnetRecord> | JsonTable<SecurityGroupRecord> | undefined {
    if (id.startsWith('vpc-')) return this.vpcs;
    if (id.startsWith('subnet-')) return this.subnets;
    if (id.startsWith('sg-')) return this.groups;
    return undefined;
  }
}

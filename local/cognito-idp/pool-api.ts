import { randomBytes } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { type CognitoContext, clientOf, poolOf, seconds } from './context.js';
import { clientRecord, groupRecord, poolRecord } from './pools.js';
import type { ClientRecord, GroupRecord, PoolRecord } from './records.js';
import { clientIdOf, clientSecretOf, userPoolArn, userPoolId } from './resource-types.js';

type Input = Record<string, unknown>;

const dated = <T extends { CreationDate: number; LastModifiedDate: number }>(record: T) => ({
  ...record,
  CreationDate: seconds(record.CreationDate),
  LastModifiedDate: seconds(record.LastModifiedDate),
});

/** DescribeUserPool's answer (the record without where it came from), with the pool's tags when it has some. */
export function poolType(pool: PoolRecord, estimated: number, tags: Readonly<Record<string, string>>) {
  const { origin: _origin, ...rest } = dated(pool);
  return { ...rest, ...(Object.keys(tags).length > 0 ? { UserPoolTags: tags } : {}), EstimatedNumberOfUsers: estimated, Status: 'Enabled' };
}

/** A user pool's ARN: `arn:<partition>:cognito-idp:<region>:<account>:userpool/<pool id>`. */
const POOL_ARN = /^arn:[\w-]+:cognito-idp:[\w-]+:\d{12}:userpool\/([\w-]+_[0-9A-Za-z]+)$/;

function clientType(client: ClientRecord) {
  const { origin: _origin, ...rest } = dated(client);
  return rest;
}

/** Paging by position: what `NextToken` carries. */
function page<T>(items: readonly T[], token: unknown, max: unknown, fallback = 60): { items: T[]; next?: string } {
  const start = token === undefined ? 0 : Number(token);
  const limit = max === undefined ? fallback : Number(max);
  return { items: items.slice(start, start + limit), ...(start + limit < items.length ? { next: String(start + limit) } : {}) };
}

/** User pools, app clients and groups: the template's and those the API creates, kept in the data folder. */
export class PoolApi {
  constructor(private readonly context: CognitoContext) {}

  async CreateUserPool(input: Input) {
    const seed = randomBytes(16).toString('hex');
    const id = userPoolId(this.context.region, seed);
    const pool = poolRecord(input, {
      id,
      name: String(input.PoolName),
      arn: userPoolArn('aws', this.context.region, this.context.accountId, id),
      now: this.context.clock.now(),
      origin: 'api',
    });
    const tags = (input.UserPoolTags ?? {}) as Record<string, string>;
    this.context.store.transaction(() => {
      this.context.store.pools.put(id, pool);
      this.context.store.tags.tag(pool.Arn, Object.entries(tags));
    });
    return { UserPool: poolType(pool, 0, tags) };
  }

  async DescribeUserPool(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const users = this.context.store.users.all().filter((u) => u.poolId === pool.Id).length;
    return { UserPool: poolType(pool, users, this.context.store.tags.map(pool.Arn)) };
  }

  /** Adds tags to a user pool, a key given again taking its new value. */
  async TagResource(input: Input) {
    this.context.store.tags.tag(this.#tagged(input.ResourceArn).Arn, Object.entries((input.Tags ?? {}) as Record<string, string>));
    return {};
  }

  /** Removes the tags of these keys; a key the pool does not have is no error. */
  async UntagResource(input: Input) {
    this.context.store.tags.untag(this.#tagged(input.ResourceArn).Arn, (input.TagKeys ?? []) as string[]);
    return {};
  }

  async ListTagsForResource(input: Input) {
    return { Tags: this.context.store.tags.map(this.#tagged(input.ResourceArn).Arn) };
  }

  async ListUserPools(input: Input) {
    // MaxResults is required, 1 to 60: the endpoint's model check has refused anything else.
    const { items, next } = page(this.context.store.pools.all(), input.NextToken, Number(input.MaxResults));
    return {
      UserPools: items.map((p) => ({
        Id: p.Id,
        Name: p.Name,
        LambdaConfig: p.LambdaConfig ?? {},
        CreationDate: seconds(p.CreationDate),
        LastModifiedDate: seconds(p.LastModifiedDate),
      })),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  async CreateUserPoolClient(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const seed = randomBytes(16).toString('hex');
    const client = clientRecord(input, {
      id: clientIdOf(seed),
      poolId: pool.Id,
      name: String(input.ClientName),
      ...(input.GenerateSecret === true ? { secret: clientSecretOf(seed) } : {}),
      now: this.context.clock.now(),
      origin: 'api',
    });
    this.context.store.clients.put(client.ClientId, client);
    return { UserPoolClient: clientType(client) };
  }

  async DescribeUserPoolClient(input: Input) {
    return { UserPoolClient: clientType(clientOf(this.context, input.ClientId, String(input.UserPoolId))) };
  }

  async ListUserPoolClients(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const clients = this.context.store.clients.all().filter((c) => c.UserPoolId === pool.Id);
    const { items, next } = page(clients, input.NextToken, input.MaxResults);
    return {
      UserPoolClients: items.map((c) => ({ ClientId: c.ClientId, UserPoolId: c.UserPoolId, ClientName: c.ClientName })),
      ...(next === undefined ? {} : { NextToken: next }),
    };
  }

  async CreateGroup(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const key = `${pool.Id}/${String(input.GroupName)}`;
    if (this.context.store.groups.get(key)) throw new AwsError('GroupExistsException', 'A group with the name already exists.', 400);
    const group = groupRecord(input, { poolId: pool.Id, name: String(input.GroupName), now: this.context.clock.now() });
    this.context.store.groups.put(key, group);
    return { Group: dated(group) };
  }

  async GetGroup(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const group = this.context.store.groups.get(`${pool.Id}/${String(input.GroupName)}`);
    if (group === undefined) throw new AwsError('ResourceNotFoundException', 'Group not found.', 400);
    return { Group: dated(group) };
  }

  async ListGroups(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    const groups = this.context.store.groups.all().filter((g: GroupRecord) => g.UserPoolId === pool.Id);
    const { items, next } = page(groups, input.NextToken, input.Limit);
    return { Groups: items.map(dated), ...(next === undefined ? {} : { NextToken: next }) };
  }

  /**
   * The pool a tag operation's ResourceArn names: a user pool is the one resource of Cognito's
   * user pools API that takes tags (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TagResource.html).
   * @throws AwsError InvalidParameterException for an ARN that names no user pool, ResourceNotFoundException for a pool that does not exist
   */
  #tagged(arn: unknown): PoolRecord {
    const id = POOL_ARN.exec(String(arn))?.[1];
    if (id === undefined) {
      throw new AwsError(
        'InvalidParameterException',
        `${String(arn)} is not a user pool's ARN: expected arn:aws:cognito-idp:<region>:<account>:userpool/<user pool id>.`,
        400,
      );
    }
    const pool = poolOf(this.context, id);
    if (pool.Arn !== arn) throw new AwsError('ResourceNotFoundException', `User pool ${String(arn)} does not exist.`, 400);
    return pool;
  }
}

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

/** DescribeUserPool's answer (the record without where it came from). */
export function poolType(pool: PoolRecord, estimated: number) {
  const { origin: _origin, ...rest } = dated(pool);
  return { ...rest, EstimatedNumberOfUsers: estimated, Status: 'Enabled' };
}

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
    this.context.store.pools.put(id, pool);
    return { UserPool: poolType(pool, 0) };
  }

  async DescribeUserPool(input: Input) {
    const pool = poolOf(this.context, input.UserPoolId);
    return { UserPool: poolType(pool, this.context.store.users.all().filter((u) => u.poolId === pool.Id).length) };
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
}

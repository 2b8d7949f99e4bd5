import {
  type AttributeValue,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  GetItemCommand,
  paginateListTables,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { resourceName } from '../clients/resource-names.js';
import { type CloudAssembly, resourcesOfType } from './assembly.js';
import { type Clients, call, pages } from './aws.js';
import { physicalNameMatches } from './dead-letters.js';
import { CliError, usageError } from './errors.js';

export interface TableQuery {
  /** The table: its name in the app (as describe_app lists it) or as deployed. */
  readonly table: string;
  /** The key attributes given: the whole primary key reads one item (GetItem), the partition key alone its items (Query). */
  readonly key: Readonly<Record<string, string | number | boolean>>;
  /** A global or local secondary index whose keys `key` names. */
  readonly index?: string;
  readonly limit?: number;
}

export interface TableAnswer {
  readonly table: string;
  readonly index?: string;
  readonly items: Record<string, unknown>[];
  /** Whether more items match than `limit` let through. */
  readonly more: boolean;
}

/**
 * Reads a table of the app by key: GetItem with the whole primary key, else Query on the
 * partition key of the table or of `index` (the sort key, when given, as an equality).
 */
export async function queryTable(clients: Clients, assembly: CloudAssembly, query: TableQuery): Promise<TableAnswer> {
  const name = await deployedTable(clients, assembly, query.table);
  const table = (await call(clients.target, () => clients.dynamodb.send(new DescribeTableCommand({ TableName: name })))).Table;
  const schema = keySchema(table, query.index);
  const given = Object.keys(query.key);
  const unknown = given.filter((k) => !schema.includes(k));
  const partition = schema[0];
  if (partition === undefined || !given.includes(partition) || unknown.length > 0) {
    const where = query.index ? `index ${query.index}` : `table ${query.table}`;
    throw usageError(
      `the key must name ${where}'s partition key ${partition} (and may name its sort key ${schema[1] ?? '(none)'}); got ${given.join(', ') || 'nothing'}`,
    );
  }
  const values = marshall(query.key) as Record<string, AttributeValue>;
  if (query.index === undefined && given.length === schema.length) {
    const { Item } = await call(clients.target, () => clients.dynamodb.send(new GetItemCommand({ TableName: name, Key: values })));
    return { table: name, items: Item ? [unmarshall(Item)] : [], more: false };
  }
  const names = Object.fromEntries(given.map((k, i) => [`#k${i}`, k]));
  const answer = await call(clients.target, () =>
    clients.dynamodb.send(
      new QueryCommand({
        TableName: name,
        IndexName: query.index,
        KeyConditionExpression: given.map((_, i) => `#k${i} = :v${i}`).join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.fromEntries(given.map((k, i) => [`:v${i}`, values[k] as AttributeValue])),
        Limit: query.limit ?? 25,
      }),
    ),
  );
  return {
    table: name,
    ...(query.index ? { index: query.index } : {}),
    items: (answer.Items ?? []).map((item) => unmarshall(item)),
    more: answer.LastEvaluatedKey !== undefined,
  };
}

/** The key attribute names of the table, or of its index, partition key first; an error naming the indexes when there is no such index. */
function keySchema(table: DescribeTableCommandOutput['Table'], index: string | undefined): string[] {
  const order = (keys: { AttributeName?: string; KeyType?: string }[] = []) =>
    [...keys].sort((a) => (a.KeyType === 'HASH' ? -1 : 1)).map((k) => String(k.AttributeName));
  if (index === undefined) return order(table?.KeySchema);
  const indexes = [...(table?.GlobalSecondaryIndexes ?? []), ...(table?.LocalSecondaryIndexes ?? [])];
  const found = indexes.find((i) => i.IndexName === index);
  if (found === undefined)
    throw usageError(
      `table ${table?.TableName} has no index ${index} (its indexes: ${indexes.map((i) => i.IndexName).join(', ') || 'none'})`,
    );
  return order(found.KeySchema);
}

/** The deployed name of the app's table `wanted` (its name in the app, or deployed), or an error naming the app's tables. */
async function deployedTable(clients: Clients, assembly: CloudAssembly, wanted: string): Promise<string> {
  const deployed: string[] = [];
  for await (const page of pages(clients.target, paginateListTables({ client: clients.dynamodb }, {})))
    deployed.push(...(page.TableNames ?? []));
  if (deployed.includes(wanted)) return wanted;
  const tables = resourcesOfType(assembly, 'AWS::DynamoDB::Table');
  const definition = tables.find((t) => resourceName(t.logicalId) === wanted || t.logicalId === wanted);
  const explicitName = typeof definition?.properties.TableName === 'string' ? definition.properties.TableName : undefined;
  const match =
    definition &&
    deployed.find((name) => physicalNameMatches({ stackName: definition.stackName, logicalId: definition.logicalId, explicitName }, name));
  if (match !== undefined) return match;
  const known = tables.map((t) => (typeof t.properties.TableName === 'string' ? t.properties.TableName : resourceName(t.logicalId)));
  throw new CliError(
    `no table "${wanted}"${definition ? ' deployed in the target' : ' in the app'} (its tables: ${known.join(', ') || 'none'})`,
  );
}

import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type CreateTableCommandOutput,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * CreateTable, then DescribeTable until the table is ACTIVE: as on AWS, CreateTable answers
 * while the table is CREATING (locally for a moment only), and a write before it is ACTIVE
 * fails with ResourceNotFoundException, which a loaded machine does see.
 */
export async function createActiveTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<CreateTableCommandOutput> {
  const created = await client.send(new CreateTableCommand(input));
  for (let attempt = 0; attempt < 1000; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return created;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${input.TableName} is not ACTIVE 10 s after CreateTable`);
}

import type { CreateTableCommandInput, KeySchemaElement, Projection, ScalarAttributeType } from '@aws-sdk/client-dynamodb';
import type { TemplateResource } from '../../local/template/cloud-assembly.js';

/** Key attributes and their types, partition key first, then the sort key if there is one. */
export type KeyTypes = Readonly<Record<string, ScalarAttributeType>>;

export interface TableLayout {
  readonly key: KeyTypes;
  /** Global secondary indexes by name. */
  readonly globalIndexes?: Readonly<Record<string, IndexLayout>>;
  /** Local secondary indexes by name (their partition key is the table's). */
  readonly localIndexes?: Readonly<Record<string, IndexLayout>>;
}

export interface IndexLayout {
  readonly key: KeyTypes;
  /** @default { ProjectionType: 'ALL' } */
  readonly projection?: Projection;
}

/**
 * CreateTable's input for a table of `layout`: the key schemas and the attribute definitions
 * they need (each key attribute once, the table's first), on demand unless `rest` gives a
 * ProvisionedThroughput; `rest` adds the other members (streams, tags, encryption).
 */
export function tableInput(TableName: string, layout: TableLayout, rest: Partial<CreateTableCommandInput> = {}): CreateTableCommandInput {
  return tableMembers(TableName, layout, rest) as unknown as CreateTableCommandInput;
}

/**
 * A template's AWS::DynamoDB::Table of `layout`, whose properties are CreateTable's members
 * (see tableInput); `properties` adds others, in CloudFormation's shape (a StreamSpecification
 * with only StreamViewType, say).
 */
export function tableResource(
  TableName: string,
  layout: TableLayout,
  properties: Readonly<Record<string, unknown>> = {},
): TemplateResource {
  return { Type: 'AWS::DynamoDB::Table', Properties: tableMembers(TableName, layout, properties) };
}

function tableMembers(TableName: string, layout: TableLayout, rest: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const definitions = new Map<string, ScalarAttributeType>();
  const keySchema = (key: KeyTypes): KeySchemaElement[] =>
    Object.entries(key).map(([AttributeName, type], i) => {
      definitions.set(AttributeName, type);
      return { AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' };
    });
  const indexes = (byName: Readonly<Record<string, IndexLayout>>) =>
    Object.entries(byName).map(([IndexName, index]) => ({
      IndexName,
      KeySchema: keySchema(index.key),
      Projection: index.projection ?? { ProjectionType: 'ALL' },
    }));
  const KeySchema = keySchema(layout.key);
  const GlobalSecondaryIndexes = layout.globalIndexes && indexes(layout.globalIndexes);
  const LocalSecondaryIndexes = layout.localIndexes && indexes(layout.localIndexes);
  return {
    TableName,
    KeySchema,
    AttributeDefinitions: [...definitions].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    ...(GlobalSecondaryIndexes && { GlobalSecondaryIndexes }),
    ...(LocalSecondaryIndexes && { LocalSecondaryIndexes }),
    ...(rest.ProvisionedThroughput ? {} : { BillingMode: 'PAY_PER_REQUEST' }),
    ...rest,
  };
}

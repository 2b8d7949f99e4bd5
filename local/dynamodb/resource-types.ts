import { arn, CREATED, type IdentityInput, type NameRule, type TypeSpecs, uuidOf } from '../template/resource-spec.js';

/** A table's name: `TableName`, else generated; DynamoDB allows letters, digits, `_`, `-` and `.`, up to 255. */
const TABLE_NAME: NameRule = { property: 'TableName', max: 255, invalid: /[^A-Za-z0-9_.-]/g };

/** A table's ARN and, when the template turns its stream on, the stream's. */
function tableArns(input: IdentityInput, name: string): { Arn: string; StreamArn?: string } {
  const tableArn = arn(input, 'dynamodb', `table/${name}`);
  const streams = input.properties.StreamSpecification !== undefined;
  // A stream's label is its creation time; a fixed one keeps the ARN stable across restarts.
  return { Arn: tableArn, ...(streams ? { StreamArn: `${tableArn}/stream/${CREATED.slice(0, -1)}` } : {}) };
}

/** DynamoDB's resource types as the template loader names them (its module declares them). */
export const DYNAMODB_TYPE_SPECS: TypeSpecs = {
  'AWS::DynamoDB::Table': {
    name: TABLE_NAME,
    identify: (input, name) => ({ ref: name, attributes: tableArns(input, name) }),
  },
  /**
   * A global table (CDK's TableV2): `Arn`, `StreamArn` and `TableId` are "that of the replica
   * in the region the stack is deployed to" (the CloudFormation reference), the one replica
   * the local runtime has. The id is stable per stack and logical id, and the engine gives
   * the table it creates for the template the same one (definitions.ts, `tableId`).
   */
  'AWS::DynamoDB::GlobalTable': {
    name: TABLE_NAME,
    identify: (input, name) => ({ ref: name, attributes: { ...tableArns(input, name), TableId: uuidOf(input) } }),
  },
};

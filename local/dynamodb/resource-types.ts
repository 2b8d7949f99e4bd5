import { arn, CREATED, type TypeSpecs } from '../template/resource-spec.js';

/** DynamoDB's resource types as the template loader names them (its module declares them). */
export const DYNAMODB_TYPE_SPECS: TypeSpecs = {
  'AWS::DynamoDB::Table': {
    name: { property: 'TableName', max: 255, invalid: /[^A-Za-z0-9_.-]/g },
    identify: (input, name) => {
      const tableArn = arn(input, 'dynamodb', `table/${name}`);
      const streams = input.properties.StreamSpecification !== undefined;
      // A stream's label is its creation time; a fixed one keeps the ARN stable across restarts.
      return { ref: name, attributes: { Arn: tableArn, ...(streams ? { StreamArn: `${tableArn}/stream/${CREATED.slice(0, -1)}` } : {}) } };
    },
  },
};

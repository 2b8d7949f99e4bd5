import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelQueryProtocol, type QueryDialect } from '../endpoint/model-protocols/query-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { operationTable } from '../service-registry/operation-table.js';
import { CloudFormationService } from './cloudformation-service.js';

/** The actions that change stacks or read what only a deployment has are answered as not supported here, saying why. */
const CLOUDFORMATION_DIALECT: QueryDialect = {
  unsupported: (action) =>
    new AwsError(
      'InvalidAction',
      `${action} is not supported by the local CloudFormation service: it reads the cloud assembly the runtime loaded (synthesize again and restart, or run switchyard dev, to change stacks).`,
    ),
};

/**
 * CloudFormation's query protocol (API version 2010-05-15), which the AWS SDK v3 and the
 * AWS CLI speak: `Action=DescribeStacks&StackName=...` form posts answered with XML, spoken
 * by the model-driven codec from CloudFormation's model over CloudFormationService's operations.
 */
export class CloudFormationQueryProtocol extends ModelQueryProtocol {
  constructor(cloudFormation: CloudFormationService) {
    super(
      loadModel('cloudformation'),
      operationTable(cloudFormation, CloudFormationService) as ModelOperations,
      // Its operations check their own input, in CloudFormation's words (ValidationError).
      { serviceName: 'CloudFormation' },
      CLOUDFORMATION_DIALECT,
    );
  }
}

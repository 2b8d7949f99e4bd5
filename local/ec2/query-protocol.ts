import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelQueryProtocol } from '../endpoint/model-protocols/query-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { operationTable } from '../service-registry/operation-table.js';
import { Ec2Service } from './ec2-service.js';

/**
 * EC2's API (version 2016-11-15) as the AWS SDKs and CLI speak it: the EC2 protocol's form
 * posts (`Action=DescribeSubnets&SubnetId.1=...`) answered with XML, spoken by the model-driven
 * query codec from EC2's model over Ec2Service's operations. An action of EC2 the local service
 * does not serve is answered as such (EC2's own code for it: `InvalidAction`).
 */
export class Ec2QueryProtocol extends ModelQueryProtocol {
  constructor(ec2: Ec2Service) {
    super(
      loadModel('ec2'),
      operationTable(ec2, Ec2Service) as ModelOperations,
      // Its operations check their own input, in EC2's words (MissingParameter, InvalidParameterValue).
      { serviceName: 'EC2' },
      {
        unsupported: (action) =>
          new AwsError(
            'InvalidAction',
            `${action} is not supported by the local EC2 service: it keeps VPCs, subnets and security groups (docs/local-runtime-support.md).`,
          ),
      },
    );
  }
}

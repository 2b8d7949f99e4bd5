import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelQueryProtocol, type QueryDialect } from '../endpoint/model-protocols/query-codec.js';
import { loadModel } from '../endpoint/validation/model.js';
import { operationTable } from '../service-registry/operation-table.js';
import { validateSnsInput } from './input-validation.js';
import { SnsService } from './sns-service.js';

/** A subscription's elements in the order SNS writes them (the API reference's examples), not the model's. */
const SNS_DIALECT: QueryDialect = {
  elementOrder: { Subscription: ['TopicArn', 'Protocol', 'SubscriptionArn', 'Owner', 'Endpoint'] },
};

/**
 * SNS's query protocol (API version 2010-03-31), which the AWS SDK v3 and the AWS CLI speak:
 * `Action=Publish&TopicArn=...` form posts answered with XML, spoken by the model-driven
 * codec from SNS's model over SnsService's operations. Every action of the API is answered:
 * those the local service does not serve, as not supported here.
 */
export class SnsQueryProtocol extends ModelQueryProtocol {
  constructor(sns: SnsService) {
    super(
      loadModel('sns'),
      operationTable(sns, SnsService) as ModelOperations,
      { serviceName: 'SNS', validate: validateSnsInput },
      SNS_DIALECT,
    );
  }
}

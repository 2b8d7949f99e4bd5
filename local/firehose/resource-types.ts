import { arn, type TypeSpecs } from '../template/resource-spec.js';

/** Firehose's resource types as the template loader names them (its module declares them). */
export const FIREHOSE_TYPE_SPECS: TypeSpecs = {
  'AWS::KinesisFirehose::DeliveryStream': {
    name: { property: 'DeliveryStreamName', max: 64, invalid: /[^A-Za-z0-9_.-]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'firehose', `deliverystream/${name}`) } }),
  },
};

import { ALPHANUMERIC_DASH_UNDERSCORE, arn, fifoSuffix, type TypeSpecs, unnamed } from '../template/resource-spec.js';

/** SQS's resource types as the template loader names them (its module declares them). */
export const SQS_TYPE_SPECS: TypeSpecs = {
  'AWS::SQS::Queue': {
    name: { property: 'QueueName', max: 80, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    suffix: fifoSuffix('FifoQueue'),
    identify: (input, name) => {
      const url = `${input.baseUrl.replace(/\/+$/, '')}/${input.accountId}/${name}`;
      return { ref: url, attributes: { Arn: arn(input, 'sqs', name), QueueName: name, QueueUrl: url } };
    },
  },
  'AWS::SQS::QueuePolicy': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  'AWS::SQS::QueueInlinePolicy': unnamed(),
};

import { arn, type TypeSpecs } from '../template/resource-spec.js';

/** Kinesis's resource types as the template loader names them (its module declares them). */
export const KINESIS_TYPE_SPECS: TypeSpecs = {
  'AWS::Kinesis::Stream': {
    name: { property: 'Name', max: 128, invalid: /[^A-Za-z0-9_.-]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'kinesis', `stream/${name}`) } }),
  },
};

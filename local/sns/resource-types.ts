import { stableUuid } from '../template/resolve.js';
import { ALPHANUMERIC_DASH_UNDERSCORE, arn, fifoSuffix, type TypeSpecs, text, unnamed } from '../template/resource-spec.js';

/** SNS's resource types as the template loader names them (its module declares them). */
export const SNS_TYPE_SPECS: TypeSpecs = {
  'AWS::SNS::Topic': {
    name: { property: 'TopicName', max: 256, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    suffix: fifoSuffix('FifoTopic'),
    identify: (input, name) => {
      const topicArn = arn(input, 'sns', name);
      return { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
    },
  },
  'AWS::SNS::Subscription': {
    // The subscription ARN is the topic's ARN and a UUID, derived here so a restart finds the same subscription.
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const subscriptionArn = `${text(input.properties, 'TopicArn') ?? arn(input, 'sns', 'unknown')}:${stableUuid(`${input.stackName}/${input.logicalId}`)}`;
      return { ref: subscriptionArn, attributes: { Arn: subscriptionArn } };
    },
  },
  'AWS::SNS::TopicPolicy': {
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (_, name) => ({ ref: name, attributes: { Id: name } }),
  },
  'AWS::SNS::TopicInlinePolicy': unnamed(),
};

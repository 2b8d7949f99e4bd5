import { ALPHANUMERIC_DASH_UNDERSCORE, arn, base32, namedOnly, type ResourceTypes } from '../template/resource-spec.js';

/** CloudWatch Logs' resource types as the template loader names them (its module declares them). */
export const LOGS_RESOURCE_TYPES: ResourceTypes = {
  'AWS::Logs::LogGroup': {
    name: { property: 'LogGroupName', max: 512, invalid: /[^A-Za-z0-9._/#-]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'logs', `log-group:${name}:*`) } }),
  },
  'AWS::Logs::LogStream': {
    name: { property: 'LogStreamName', max: 512, invalid: /[:*]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Logs::MetricFilter': {
    name: { property: 'FilterName', max: 512, invalid: /[:*]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Logs::SubscriptionFilter': {
    name: { property: 'FilterName', max: 512, invalid: /[:*]/g },
    identify: (_, name) => ({ ref: name, attributes: {} }),
  },
  'AWS::Logs::QueryDefinition': namedOnly({
    // Ref and QueryDefinitionId are the id CloudWatch Logs gives the saved query (here stable, from the logical id).
    name: { max: 255, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const id = base32(`${input.stackName}/${input.logicalId}/query`).slice(0, 32).toLowerCase();
      return { ref: id, attributes: { QueryDefinitionId: id } };
    },
  }),
  // CDK's log retention: the group's retention, which the logs service applies from the resource.
  // Its handler (aws-cdk-lib's log-retention-handler) answers the group's name as the physical
  // id and as `Data.LogGroupName`, which `logs.LogRetention`'s users read (`Fn::GetAtt <it>.LogGroupName`
  // in a stage's access log ARN): both are its property, so they resolve before anything runs.
  'Custom::LogRetention': {
    name: { property: 'LogGroupName', max: 512, invalid: /[^A-Za-z0-9._/#-]/g },
    identify: (_, name) => ({ ref: name, attributes: { LogGroupName: name } }),
  },
};

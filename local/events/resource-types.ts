import { ALPHANUMERIC_DASH_UNDERSCORE, arn, busName, EVENTS_NAME, type TypeSpecs, text, uuidOf } from '../template/resource-spec.js';

/** EventBridge's resource types as the template loader names them (its module declares them). */
export const EVENTS_TYPE_SPECS: TypeSpecs = {
  'AWS::Events::EventBus': {
    name: { property: 'Name', max: 256, invalid: /[^A-Za-z0-9/._-]/g },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'events', `event-bus/${name}`), Name: name } }),
  },
  'AWS::Events::EventBusPolicy': {
    name: { property: 'StatementId', max: 64, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, statementId) => ({ ref: `${busName(text(input.properties, 'EventBusName'))}|${statementId}`, attributes: {} }),
  },
  'AWS::Events::Rule': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => {
      // On a custom bus CloudFormation returns `bus|rule` for Ref, and the ARN carries the bus.
      const bus = busName(text(input.properties, 'EventBusName'));
      const custom = bus !== 'default';
      return {
        ref: custom ? `${bus}|${name}` : name,
        attributes: { Arn: arn(input, 'events', custom ? `rule/${bus}/${name}` : `rule/${name}`), RuleName: name },
      };
    },
  },
  'AWS::Events::Archive': {
    name: { property: 'ArchiveName', max: 48, invalid: EVENTS_NAME },
    identify: (input, name) => ({ ref: name, attributes: { Arn: arn(input, 'events', `archive/${name}`) } }),
  },
  // Connections and API destinations: ARNs end in a UUID of their own; ArnForPolicy leaves it out.
  'AWS::Events::Connection': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({
      ref: name,
      attributes: {
        Arn: arn(input, 'events', `connection/${name}/${uuidOf(input)}`),
        ArnForPolicy: arn(input, 'events', `connection/${name}`),
        SecretArn: arn(input, 'secretsmanager', `secret:events!connection/${name}/${uuidOf(input)}`),
      },
    }),
  },
  'AWS::Events::ApiDestination': {
    name: { property: 'Name', max: 64, invalid: EVENTS_NAME },
    identify: (input, name) => ({
      ref: name,
      attributes: {
        Arn: arn(input, 'events', `api-destination/${name}/${uuidOf(input)}`),
        ArnForPolicy: arn(input, 'events', `api-destination/${name}`),
      },
    }),
  },
};

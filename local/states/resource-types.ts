import { ALPHANUMERIC_DASH_UNDERSCORE, arn, type IdentityInput, type TypeSpecs, text } from '../template/resource-spec.js';
import { INITIAL_REVISION } from './versions.js';

/** A version's or an alias's state machine: the one its version ARNs (or its deployment's) name. */
function aliasedMachine(input: IdentityInput): string {
  const p = input.properties;
  const routing = Array.isArray(p.RoutingConfiguration) ? (p.RoutingConfiguration[0] as Record<string, unknown> | undefined) : undefined;
  const deployment = p.DeploymentPreference as Record<string, unknown> | undefined;
  const version = routing?.StateMachineVersionArn ?? deployment?.StateMachineVersionArn;
  const machine = text(p, 'StateMachineArn') ?? (typeof version === 'string' ? version : '');
  return machine.replace(/:\d+$/, '');
}

/** Step Functions' resource types as the template loader names them (its module declares them). */
export const STATES_TYPE_SPECS: TypeSpecs = {
  'AWS::StepFunctions::StateMachine': {
    name: { property: 'StateMachineName', max: 80, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const stateMachineArn = arn(input, 'states', `stateMachine:${name}`);
      // The template's machine is at the revision it was created with (CloudFormation's version resource calls it INITIAL).
      return { ref: stateMachineArn, attributes: { Arn: stateMachineArn, Name: name, StateMachineRevisionId: INITIAL_REVISION } };
    },
  },
  'AWS::StepFunctions::Activity': {
    name: { property: 'Name', max: 80, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const activityArn = arn(input, 'states', `activity:${name}`);
      return { ref: activityArn, attributes: { Arn: activityArn, Name: name } };
    },
  },
  'AWS::StepFunctions::StateMachineVersion': {
    // A deployment of the template publishes its machine's first version (versions.ts, `declare`).
    name: { max: 80, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const versionArn = `${text(input.properties, 'StateMachineArn') ?? ''}:1`;
      return { ref: versionArn, attributes: { Arn: versionArn } };
    },
  },
  'AWS::StepFunctions::StateMachineAlias': {
    name: { property: 'Name', max: 80, invalid: /[^A-Za-z0-9_.-]/g },
    identify: (input, name) => {
      const aliasArn = `${aliasedMachine(input)}:${name}`;
      return { ref: aliasArn, attributes: { Arn: aliasArn } };
    },
  },
};

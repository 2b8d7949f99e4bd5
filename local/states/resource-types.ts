import { ALPHANUMERIC_DASH_UNDERSCORE, arn, type TypeSpecs } from '../template/resource-spec.js';

/** Step Functions' resource types as the template loader names them (its module declares them). */
export const STATES_TYPE_SPECS: TypeSpecs = {
  'AWS::StepFunctions::StateMachine': {
    name: { property: 'StateMachineName', max: 80, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input, name) => {
      const stateMachineArn = arn(input, 'states', `stateMachine:${name}`);
      return { ref: stateMachineArn, attributes: { Arn: stateMachineArn, Name: name } };
    },
  },
};

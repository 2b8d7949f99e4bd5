import { arnOf, member, passingRole, type ResourceOf, serviceIam } from '../iam/authorizations.js';

const stateMachine: ResourceOf = (input, context) => {
  const given = member(input, 'stateMachineArn');
  if (given) return given;
  return arnOf('states', context, `stateMachine:${member(input, 'name') ?? '*'}`);
};
const execution: ResourceOf = (input, context) => member(input, 'executionArn') ?? arnOf('states', context, 'execution:*');
const tagged: ResourceOf = (input, context) => member(input, 'resourceArn') ?? arnOf('states', context, 'stateMachine:*');

/** Creating or updating a state machine with a role passes the role. */
const withRole = (operation: string) => passingRole('states', operation, stateMachine, (input) => member(input, 'roleArn'));

/**
 * How IAM authorizes Step Functions' requests (its module declares it): each operation is the
 * action of its name on the state machine or execution it names; task tokens name nothing IAM
 * can scope (SendTask* are authorized on `*`). Members are read in camelCase (the API) or
 * PascalCase (aws-sdk:sfn tasks).
 */
export const statesIam = serviceIam('states', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['ListStateMachines', 'ValidateStateMachineDefinition', 'SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat', 'TestState'],
  sameNamed: {
    DescribeStateMachine: stateMachine,
    DeleteStateMachine: stateMachine,
    StartExecution: stateMachine,
    StartSyncExecution: stateMachine,
    ListExecutions: stateMachine,
    DescribeExecution: execution,
    DescribeStateMachineForExecution: execution,
    GetExecutionHistory: execution,
    StopExecution: execution,
    RedriveExecution: execution,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsForResource: tagged,
  },
  operations: { CreateStateMachine: withRole('CreateStateMachine'), UpdateStateMachine: withRole('UpdateStateMachine') },
});

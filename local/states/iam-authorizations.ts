import {
  ANY,
  arnOf,
  type Input,
  member,
  type OperationContext,
  type OperationTable,
  on,
  type ResourceOf,
  type ServiceIam,
  sameNamed,
} from '../iam/authorizations.js';

const stateMachine: ResourceOf = (input, context) => {
  const given = member(input, 'stateMachineArn');
  if (given) return given;
  return arnOf('states', context, `stateMachine:${member(input, 'name') ?? '*'}`);
};
const execution: ResourceOf = (input, context) => member(input, 'executionArn') ?? arnOf('states', context, 'execution:*');
const tagged: ResourceOf = (input, context) => member(input, 'resourceArn') ?? arnOf('states', context, 'stateMachine:*');

/** Creating or updating a state machine with a role passes the role: iam:PassRole on it, as AWS checks. */
function withRole(action: string) {
  return (input: Input, context: OperationContext) => {
    const role = member(input, 'roleArn');
    return [
      on(action, stateMachine(input, context)),
      ...(role ? [on('iam:PassRole', role, { 'iam:PassedToService': 'states.amazonaws.com' })] : []),
    ];
  };
}

/**
 * Step Functions: each operation is the action of its name on the state machine or execution
 * it names; task tokens name nothing IAM can scope (SendTask* are authorized on `*`).
 * Members are read in camelCase (the API) or PascalCase (aws-sdk:sfn tasks).
 */
const statesAuthorizations: OperationTable = {
  ...sameNamed('states', {
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
    ListStateMachines: ANY,
    ValidateStateMachineDefinition: ANY,
    SendTaskSuccess: ANY,
    SendTaskFailure: ANY,
    SendTaskHeartbeat: ANY,
    TestState: ANY,
  }),
  CreateStateMachine: withRole('states:CreateStateMachine'),
  UpdateStateMachine: withRole('states:UpdateStateMachine'),
};

/** How IAM authorizes states's requests (its module declares it). */
export const statesIam: ServiceIam = {
  prefix: 'states',
  operations: statesAuthorizations,
  accessDenied: { code: 'AccessDeniedException', status: 400 },
};

import { ANY, arnOf, type OperationContext, type OperationTable, sameNamed, text } from './shared.js';

/** Step Functions' members are camelCase; its optimized integrations pass them PascalCase. */
const member = (input: Record<string, unknown>, name: string) =>
  text(input[name]) ?? text(input[name.charAt(0).toUpperCase() + name.slice(1)]);
const machine = (input: Record<string, unknown>, context: OperationContext) =>
  member(input, 'stateMachineArn') ?? arnOf('states', context, `stateMachine:${member(input, 'name') ?? '*'}`);
const execution = (input: Record<string, unknown>, context: OperationContext) =>
  member(input, 'executionArn') ?? arnOf('states', context, 'execution:*');
const mapRun = (input: Record<string, unknown>, context: OperationContext) =>
  member(input, 'mapRunArn') ?? member(input, 'executionArn') ?? arnOf('states', context, 'mapRun:*');
const tagged = (input: Record<string, unknown>, context: OperationContext) => member(input, 'resourceArn') ?? arnOf('states', context, '*');

/** Step Functions: the action of each operation's name on the state machine or execution; task tokens on `*`. */
export const statesOperations: OperationTable = sameNamed('states', {
  StartExecution: machine,
  StartSyncExecution: machine,
  DescribeStateMachine: machine,
  ListExecutions: machine,
  UpdateStateMachine: machine,
  DeleteStateMachine: machine,
  CreateStateMachine: machine,
  ListStateMachineVersions: machine,
  ListStateMachineAliases: machine,
  DescribeExecution: execution,
  StopExecution: execution,
  GetExecutionHistory: execution,
  RedriveExecution: execution,
  DescribeStateMachineForExecution: execution,
  ListMapRuns: execution,
  DescribeMapRun: mapRun,
  UpdateMapRun: mapRun,
  TagResource: tagged,
  UntagResource: tagged,
  ListTagsForResource: tagged,
  ListStateMachines: ANY,
  ListActivities: ANY,
  SendTaskSuccess: ANY,
  SendTaskFailure: ANY,
  SendTaskHeartbeat: ANY,
  TestState: ANY,
  ValidateStateMachineDefinition: ANY,
});

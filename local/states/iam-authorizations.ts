import { arnOf, member, passingRole, type ResourceOf, records, serviceIam } from '../iam/authorizations.js';
import { tryParseArn } from '../names/arn.js';
import { parseTaskToken } from './engine/task-tokens.js';

const stateMachine: ResourceOf = (input, context) => {
  const given = member(input, 'stateMachineArn');
  if (given) return given;
  return arnOf('states', context, `stateMachine:${member(input, 'name') ?? '*'}`);
};
const execution: ResourceOf = (input, context) => member(input, 'executionArn') ?? arnOf('states', context, 'execution:*');
const tagged: ResourceOf = (input, context) => member(input, 'resourceArn') ?? arnOf('states', context, 'stateMachine:*');
/** A distributed Map's run (DescribeMapRun: `states:DescribeMapRun` on the mapRun ARN). */
const mapRun: ResourceOf = (input, context) => member(input, 'mapRunArn') ?? arnOf('states', context, 'mapRun:*/*:*');
const activity: ResourceOf = (input, context) =>
  member(input, 'activityArn') ?? arnOf('states', context, `activity:${member(input, 'name') ?? '*'}`);
const version: ResourceOf = (input, context) => member(input, 'stateMachineVersionArn') ?? arnOf('states', context, 'stateMachine:*');
/** An alias's ARN; a new one's is its versions' machine's, with its name. */
const alias: ResourceOf = (input, context) => {
  const given = member(input, 'stateMachineAliasArn');
  if (given) return given;
  const routed = records(input.routingConfiguration ?? input.RoutingConfiguration)[0];
  const versionArn = routed ? member(routed, 'stateMachineVersionArn') : undefined;
  const machine = versionArn?.replace(/:\d+$/, '') ?? arnOf('states', context, 'stateMachine:*');
  return `${machine}:${member(input, 'name') ?? '*'}`;
};

/**
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: the state machine whose execution
 * handed out the token, as CDK's `stateMachine.grantTaskResponse` grants them (on the state
 * machine's ARN; a policy naming `stateMachine:*` is met too). A token that names no execution
 * (garbled, not this runtime's) is authorized on `*`; its call fails with InvalidToken.
 */
const tokenStateMachine: ResourceOf = (input) => {
  const token = member(input, 'taskToken');
  const executionArn = token === undefined ? undefined : parseTaskToken(token)?.executionArn;
  const execution = executionArn === undefined ? undefined : tryParseArn(executionArn);
  if (execution?.parent === undefined) return '*';
  return `arn:${execution.partition}:states:${execution.region}:${execution.account}:stateMachine:${execution.parent}`;
};

/** Creating or updating a state machine with a role passes the role. */
const withRole = (operation: string) => passingRole('states', operation, stateMachine, (input) => member(input, 'roleArn'));

/**
 * How IAM authorizes Step Functions' requests (its module declares it): each operation is the
 * action of its name on the state machine, version, alias, execution or activity it names;
 * a task token on the state machine whose execution handed it out. Members are read
 * in camelCase (the API) or PascalCase (aws-sdk:sfn tasks).
 */
export const statesIam = serviceIam('states', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: ['ListStateMachines', 'ValidateStateMachineDefinition', 'TestState', 'ListActivities'],
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
    // ListMapRuns is authorized on the execution whose Map Runs it lists.
    ListMapRuns: execution,
    DescribeMapRun: mapRun,
    PublishStateMachineVersion: stateMachine,
    ListStateMachineVersions: stateMachine,
    DeleteStateMachineVersion: version,
    CreateStateMachineAlias: alias,
    DescribeStateMachineAlias: alias,
    UpdateStateMachineAlias: alias,
    DeleteStateMachineAlias: alias,
    ListStateMachineAliases: stateMachine,
    CreateActivity: activity,
    DescribeActivity: activity,
    DeleteActivity: activity,
    GetActivityTask: activity,
    SendTaskSuccess: tokenStateMachine,
    SendTaskFailure: tokenStateMachine,
    SendTaskHeartbeat: tokenStateMachine,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsForResource: tagged,
  },
  operations: { CreateStateMachine: withRole('CreateStateMachine'), UpdateStateMachine: withRole('UpdateStateMachine') },
});
